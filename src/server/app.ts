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
import { makeTokenCheck } from "./auth.js";
import { docsRoutes } from "./docs.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import { registerJsonBodyParser } from "./json-body.js";
import { collectOpenApi } from "./openapi.js";
import { approvalRoutes } from "./routes/approvals.js";
import { eventRoutes } from "./routes/events.js";
import { externalRoutes } from "./routes/external.js";
import { mcpRoutes } from "./routes/mcp.js";
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

export async function buildServer(
  deps: ServerDeps,
  options: {
    logger: Logger;
    token: string | undefined;
    /** The built web app; dist/web by default. */
    webRoot?: string;
  },
): Promise<{ app: App; routes: RouteInfo[] }> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // Router errors (a malformed or overlong URL) get the same error body as everything else.
    frameworkErrors: errorHandler,
    forceCloseConnections: true,
    return503OnClosing: true,
    schemaController: zodSchemaController,
  }).withTypeProvider<ZodTypeProvider>();

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

  if (options.token !== undefined) {
    const authorized = makeTokenCheck(options.token);
    const unauthorized = new TetherError(
      "unauthorized",
      "missing or wrong token: send `Authorization: Bearer <TETHER_AGENT_TOKEN>` (or ?token= for EventSource and WebSocket)",
    ).toBody();
    app.addHook("onRequest", async (req, reply) => {
      // The web app's files carry no secrets, and the token screen among them must load.
      if (isPublicWebRequest(req)) return;
      if (!authorized(req)) return reply.code(401).send(unauthorized);
    });
  }

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
  approvalRoutes(app, deps);
  eventRoutes(app, deps);
  pushRoutes(app, deps);
  mcpRoutes(app, options.token);
  systemRoutes(app, deps, openapi);
  await docsRoutes(app, openapi);
  await webRoutes(app, options.webRoot);
  await app.ready();
  return { app, routes };
}
