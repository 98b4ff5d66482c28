// The OpenAPI document, made on its first request. @fastify/swagger (with yaml and a JSON Schema
// resolver behind it) costs ~10 ms and a few MB to load and register, spent at every start-up
// for a document few fetch. So this collects the routes as they are added, as its dynamic mode
// would, and on the first request adds them to a scratch Fastify instance with @fastify/swagger
// in it, which makes the document from the same zod schemas that validate requests.
import type { FastifyDynamicSwaggerOptions, StaticDocumentSpec } from "@fastify/swagger";
import Fastify, { type RouteOptions } from "fastify";
import { zodSchemaController } from "./schema-compilers.js";
import type { App } from "./types.js";

/** @fastify/swagger types what it makes as any OpenAPI version; ours is 3.0 (`openapi` options). */
export type OpenApiDocument = StaticDocumentSpec["document"];

export type OpenApi = () => Promise<OpenApiDocument>;

/** Call before any route is added; routes are final once `app` is ready. */
export function collectOpenApi(app: App, options: FastifyDynamicSwaggerOptions): OpenApi {
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    // Fastify's automatic HEAD routes are left out, as @fastify/swagger leaves them out.
    if (route.method !== "HEAD") routes.push(route as RouteOptions);
  });
  let document: Promise<OpenApiDocument> | undefined;
  return () => {
    document ??= makeDocument(routes, options).catch((error: unknown) => {
      document = undefined; // let the next request try again
      throw error;
    });
    return document;
  };
}

async function makeDocument(
  routes: readonly RouteOptions[],
  options: FastifyDynamicSwaggerOptions,
): Promise<OpenApiDocument> {
  const { default: fastifySwagger } = await import("@fastify/swagger");
  const scratch = Fastify({ schemaController: zodSchemaController });
  try {
    await scratch.register(fastifySwagger, options);
    for (const { method, url, schema, config } of routes) {
      scratch.route({ method, url, schema, config, exposeHeadRoute: false, handler: noAnswer });
    }
    await scratch.ready();
    return scratch.swagger() as OpenApiDocument;
  } finally {
    await scratch.close();
  }
}

/** The scratch instance never serves a request. */
async function noAnswer(): Promise<void> {}
