// The API docs page (swagger-ui), loaded on its first request. swagger-ui brings @fastify/static,
// yaml and glob with it, ~50 ms of module loading: a sixth of the start-up budget (DESIGN.md §9)
// spent on a page few ever open. So its routes are registered at start-up, on the main app (so the
// auth hook guards them like every other route), and hand each request to a private Fastify
// instance that is built, with swagger-ui in it, when the first one arrives.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Fastify from "fastify";
import { errorHandler, notFoundHandler } from "./errors.js";
import type { OpenApi } from "./openapi.js";
import { zodSchemaController } from "./schema-compilers.js";
import type { App } from "./types.js";

export const DOCS_PREFIX = "/api/docs";

/** The routes swagger-ui registers under its prefix (@fastify/swagger-ui 6, lib/routes.js). */
const DOCS_ROUTES = [
  "/",
  "/static/index.html",
  "/static/swagger-initializer.js",
  "/json",
  "/yaml",
  "/static/*",
] as const;

async function buildDocsApp(openapi: OpenApi): Promise<FastifyInstance> {
  const [{ default: fastifySwagger }, { default: fastifySwaggerUi }] = await Promise.all([
    import("@fastify/swagger"),
    import("@fastify/swagger-ui"),
  ]);
  const docs = Fastify({ schemaController: zodSchemaController });
  docs.setErrorHandler(errorHandler);
  docs.setNotFoundHandler(notFoundHandler);
  // Routes cannot change once the main app is ready, so the document is final by now.
  const document = await openapi();
  await docs.register(fastifySwagger, { mode: "static", specification: { document } });
  await docs.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  await docs.ready();
  return docs;
}

/**
 * Registers the docs routes on `app`, showing the document `openapi` makes. They sit in a plugin
 * under the prefix, as swagger-ui's own do, so that `/api/docs` answers as well as `/api/docs/`.
 */
export async function docsRoutes(app: App, openapi: OpenApi): Promise<void> {
  let docs: Promise<FastifyInstance> | undefined;
  const load = () => {
    docs ??= buildDocsApp(openapi).catch((error: unknown) => {
      docs = undefined; // let the next request try again
      throw error;
    });
    return docs;
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const inner = await load();
    // The private instance answers on the raw request and response, streaming files as usual.
    reply.hijack();
    inner.routing(req.raw, reply.raw);
  };

  await app.register(
    async (scope) => {
      for (const url of DOCS_ROUTES) scope.get(url, { schema: { hide: true } }, handler);
    },
    { prefix: DOCS_PREFIX },
  );
  app.addHook("onClose", async () => {
    if (docs) await (await docs).close();
  });
}
