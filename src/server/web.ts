// The web app (web/, built into dist/web) served at `/`. Its shell and assets are public by
// design: the token screen has to load before anyone can type a token. The routes name the app's
// files one by one (and `/assets/*`) rather than `/*`, so no /api or /external path, known or
// not, can ever reach them: those stay behind the token and keep the router's own errors.
//
// @fastify/static (with glob and send) costs ~35 ms to load, a tenth of the start-up budget
// (DESIGN.md §9), so, as for the API docs (docs.ts), the routes are registered at start-up and
// hand each request to a private Fastify instance built on the first one.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Fastify from "fastify";
import { errorHandler, notFoundHandler } from "./errors.js";
import type { App } from "./types.js";

/** Where `npm run build` puts the web app: dist/web, beside dist/server (tsc) and dist/bundle. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../web/", import.meta.url));

/** The routes of the web app: the shell, the files web/public and the icon plugin put beside it
 * (keep in step with them; test/e2e/auth-every-route.test.ts checks), and the hashed assets. */
export const WEB_ROUTES: ReadonlySet<string> = new Set([
  "/",
  "/index.html",
  "/sw.js",
  "/manifest.webmanifest",
  "/icon.svg",
  "/icon-192.png",
  "/icon-512.png",
  "/assets/*",
]);

/** True for a request the auth hook lets through without a token: a web app file. */
export function isPublicWebRequest(req: FastifyRequest): boolean {
  return WEB_ROUTES.has(req.routeOptions.url ?? "");
}

// Hashed file names change with their contents, so a cached one never goes stale; the shell
// (index.html), the service worker and the manifest keep their names and must be revalidated.
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

async function buildWebApp(root: string): Promise<FastifyInstance> {
  const { default: fastifyStatic } = await import("@fastify/static");
  const web = Fastify();
  web.setErrorHandler(errorHandler);
  web.setNotFoundHandler(notFoundHandler);
  await web.register(fastifyStatic, {
    root,
    prefix: "/",
    index: "index.html",
    cacheControl: false,
    setHeaders: (reply, path) => {
      const hashed = path.startsWith(join(root, "assets"));
      reply.header("cache-control", hashed ? IMMUTABLE : REVALIDATE);
    },
  });
  await web.ready();
  return web;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tether</title>
<p>Tether is running, but its web app has not been built.</p>
<p>Run <code>npm run build</code> in Tether's folder, then reload this page. The API works meanwhile.</p>
`;

export async function webRoutes(app: App, root: string = DEFAULT_WEB_ROOT): Promise<void> {
  let web: Promise<FastifyInstance> | undefined;
  const load = () => {
    web ??= buildWebApp(root).catch((error: unknown) => {
      web = undefined; // let the next request try again
      throw error;
    });
    return web;
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    // Checked on each request, so a build made while the daemon runs is picked up.
    if (!existsSync(join(root, "index.html"))) {
      return reply.code(503).header("cache-control", REVALIDATE).type("text/html").send(NOT_BUILT);
    }
    const inner = await load();
    reply.hijack();
    inner.routing(req.raw, reply.raw);
  };

  for (const url of WEB_ROUTES) app.get(url, { schema: { hide: true } }, handler);
  app.addHook("onClose", async () => {
    if (web) await (await web).close();
  });
}
