// Fastify's JSON body parser, with the nesting depth checked before the text is parsed: a body
// nested too deeply is refused with 400 before any route (and so any state change) sees it.
import type { FastifyInstance } from "fastify";
import { assertShallow } from "./json-depth.js";

export function registerJsonBodyParser(app: FastifyInstance): void {
  // The default parser keeps its protection against __proto__ and constructor poisoning.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    try {
      assertShallow(body as string, "body");
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(req, body as string, done);
  });
}
