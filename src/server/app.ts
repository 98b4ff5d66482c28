import type { ServerOptions as HttpsServerOptions } from "node:https";
import fastifyWebsocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { TetherError } from "../core/errors.js";
import { setActor } from "./actor.js";
import { makeAuthenticator, presentedCredential } from "./auth.js";
import { makeDeviceCredentials } from "./device-credential.js";
import { docsRoutes } from "./docs.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import { hostRefusal } from "./guard/host.js";
import { needsSameOriginProof, originRefusal, provenSameOrigin } from "./guard/origin.js";
import { setSecurityHeaders } from "./guard/security-headers.js";
import { makeSite, type SiteOptions } from "./guard/site.js";
import { clientKey, FailureThrottle, tooManyAttempts } from "./guard/throttle.js";
import { registerJsonBodyParser } from "./json-body.js";
import { collectOpenApi } from "./openapi.js";
import { PAIR_FIRST_PAGE, wantsPairFirstPage } from "./pair-first.js";
import { agentRoutes } from "./routes/agents.js";
import { ANSWER_LINK_ROUTE, answerLinkRoutes } from "./routes/answer-links.js";
import { approvalRoutes } from "./routes/approvals.js";
import { bridgeRoutes } from "./routes/bridges.js";
import { eventRoutes } from "./routes/events.js";
import { externalRoutes } from "./routes/external.js";
import { hookRoutes } from "./routes/hooks.js";
import { mcpRoutes } from "./routes/mcp.js";
import { pairingRoutes } from "./routes/pairing.js";
import { pushRoutes } from "./routes/push.js";
import { sessionRoutes } from "./routes/sessions.js";
import { systemRoutes } from "./routes/system.js";
import { zodSchemaController } from "./schema-compilers.js";
import type { App, ServerDeps } from "./types.js";
import { isPublicWebRequest, webRoutes } from "./web.js";

export interface RouteInfo {
  method: string;
  url: string;
  websocket: boolean;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Routes the auth hook lets through: pairing checks the token itself, and clearing one's own
 * cookie needs none. */
const PAIRING_ROUTES: ReadonlySet<string> = new Set(["/api/pair", "/api/logout"]);

/** Liveness, for anyone who can reach the daemon (a script waiting for the start, a service
 * manager): a bare `{"status":"ok"}`, whatever credential comes with it (routes/system.ts). The
 * details stay on /api/health, behind the token, whose 401 the web app takes as "pair first". */
const LIVE_ROUTE = "/api/live";

/** Routes whose URL is their own credential (an answer link: routes/answer-links.ts). No token
 * or cookie is read there, so there is nothing for a cross-site request to ride on; ntfy's web
 * app calls it from its own origin. */
const CAPABILITY_ROUTES: ReadonlySet<string> = new Set([ANSWER_LINK_ROUTE]);

export async function buildServer(
  deps: ServerDeps,
  options: {
    logger: Logger;
    token: string | undefined;
    /** The built web app; dist/web by default. */
    webRoot?: string;
    /** The names and origins that are ours (guard/site.ts); loopback only by default. */
    site?: SiteOptions;
    /** TETHER_TLS_CERT/KEY's PEM (and TLS settings): serve HTTPS instead of HTTP. */
    https?: HttpsServerOptions | undefined;
  },
): Promise<{ app: App; routes: RouteInfo[] }> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // Router errors (a malformed or overlong URL) get the same error body as everything else.
    frameworkErrors: (err, req, reply) => {
      setSecurityHeaders(reply.raw);
      return errorHandler(err, req, reply);
    },
    forceCloseConnections: true,
    return503OnClosing: true,
    schemaController: zodSchemaController,
    // Null is plain HTTP. The routes see the same request and reply types either way.
    https: options.https ?? null,
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  registerJsonBodyParser(app);

  const routes: RouteInfo[] = [];
  const socketUrls = new Set<string>();
  app.addHook("onRoute", (route) => {
    if (route.websocket) socketUrls.add(route.url);
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      routes.push({ method, url: route.url, websocket: Boolean(route.websocket) });
    }
  });

  // Before the auth hook: the plugin's onRequest hook marks upgrade requests, so that a refused
  // handshake's socket is destroyed after the 401 instead of staying open (and blocking close).
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_BODY_BYTES } });

  const siteOptions = options.site ?? { bindHost: "127.0.0.1" };
  const site = makeSite(siteOptions);
  const throttle = new FailureThrottle();
  const devices = options.token === undefined ? undefined : makeDeviceCredentials(options.token);
  const authenticate =
    options.token === undefined || devices === undefined
      ? undefined
      : makeAuthenticator(options.token, devices);
  const unauthorized = new TetherError(
    "unauthorized",
    "missing or wrong credential: send `Authorization: Bearer <TETHER_AGENT_TOKEN>` (or ?token= from a client that cannot set headers); the web app pairs with POST /api/pair",
  ).toBody();
  const cookieNeedsOrigin = new TetherError(
    "cross_site_request",
    "a change made with the web app's cookie must come from the web app's own page (Origin)",
  ).toBody();

  // The door, in order: security headers (on every response, refusals included), the Host
  // check (DNS rebinding), the cross-site check, then the credential. All before any handler,
  // on every route, WebSocket upgrade and mode.
  app.addHook("onRequest", async (req, reply) => {
    setSecurityHeaders(reply.raw);
    const misdirected = hostRefusal(site, req);
    if (misdirected) return reply.code(misdirected.status).send(misdirected.toBody());
    // The web app's files carry no secrets and must open from a link in another site (a
    // pairing link in a chat); framing them is refused by the headers.
    const publicFile = isPublicWebRequest(req);
    const url = req.routeOptions.url ?? "";
    const capability = CAPABILITY_ROUTES.has(url);
    if (!publicFile && !capability) {
      const crossSite = originRefusal(site, req);
      if (crossSite) return reply.code(crossSite.status).send(crossSite.toBody());
    }
    if (authenticate === undefined) {
      setActor(req, { kind: "local" });
      return;
    }
    // The token screen is among the web app's files; pairing checks the token itself; liveness
    // tells nothing but that the daemon is up; an answer link checks its capability itself.
    if (publicFile || capability || PAIRING_ROUTES.has(url) || url === LIVE_ROUTE) return;
    const presented = presentedCredential(req);
    if (presented.via === "none") {
      if (wantsPairFirstPage(req)) return reply.code(401).type("text/html").send(PAIR_FIRST_PAGE);
      return reply.code(401).send(unauthorized);
    }
    const client = clientKey(req.raw.socket.remoteAddress);
    const wait = throttle.retryAfterS(client);
    if (wait > 0)
      return reply.code(429).header("retry-after", String(wait)).send(tooManyAttempts());
    const actor = authenticate(presented);
    if (actor === undefined) {
      throttle.fail(client);
      return reply.code(401).send(unauthorized);
    }
    if (presented.via === "cookie" && needsSameOriginProof(req) && !provenSameOrigin(site, req)) {
      return reply.code(403).send(cookieNeedsOrigin);
    }
    setActor(req, actor);
  });

  const openapi = collectOpenApi(app, {
    openapi: {
      info: {
        title: "Tether API",
        version: deps.version,
        description:
          "The External Agent API (for agents) and the App API (for the web app, CLI and MCP). " +
          "Authenticate with `Authorization: Bearer <TETHER_AGENT_TOKEN>`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  // A plain GET on a WebSocket route would otherwise be an empty 404.
  const upgradeRequired = new TetherError(
    "upgrade_required",
    "this route speaks WebSocket: connect with a WebSocket client",
  ).toBody();
  app.addHook("preHandler", async (req, reply) => {
    if (!req.ws && socketUrls.has(req.routeOptions.url ?? "")) {
      return reply.code(426).send(upgradeRequired);
    }
  });

  externalRoutes(app, deps);
  sessionRoutes(app, deps);
  agentRoutes(app, deps);
  approvalRoutes(app, deps);
  eventRoutes(app, deps);
  pushRoutes(app, deps);
  bridgeRoutes(app, deps);
  hookRoutes(app, deps);
  answerLinkRoutes(app, deps);
  pairingRoutes(app, {
    token: options.token,
    devices,
    throttle,
    publicUrl: siteOptions.publicUrl,
  });
  const ownCert = options.https?.cert;
  mcpRoutes(
    app,
    options.token,
    site,
    deps.agents,
    typeof ownCert === "string" ? ownCert : undefined,
  );
  systemRoutes(app, deps, openapi);
  await docsRoutes(app, openapi);
  await webRoutes(app, options.webRoot);
  await app.ready();
  return { app, routes };
}
