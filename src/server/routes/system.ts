import { z } from "zod";
import { Health, UsageReply } from "../../shared/schemas.js";
import { isAuthenticated } from "../actor.js";
import type { OpenApi } from "../openapi.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["System"];

/** What /api/health tells a caller without a credential: that the daemon is up, no details. */
const Liveness = z.object({ status: z.literal("ok") }).strict();

export function systemRoutes(app: App, deps: ServerDeps, openapi: OpenApi) {
  const startedAt = Date.now();

  app.get(
    "/api/health",
    {
      schema: {
        tags,
        summary: "Is the daemon up",
        description:
          'Without a credential: `{"status":"ok"}` and nothing more (liveness, for scripts and ' +
          "service managers). With the token: the version, uptime and counts as well.",
        security: [{ bearer: [] }, {}],
        response: { 200: z.union([Health, Liveness]) },
      },
    },
    async (req) =>
      isAuthenticated(req)
        ? {
            status: "ok" as const,
            version: deps.version,
            uptime_s: (Date.now() - startedAt) / 1000,
            sessions: deps.engine.sessionCount,
            pending_approvals: deps.engine.pendingApprovalCount,
            auth: deps.authRequired,
          }
        : { status: "ok" as const },
  );

  app.get(
    "/api/usage",
    {
      schema: {
        tags,
        summary: "Tokens and cost, in total and per session",
        response: { 200: UsageReply },
      },
    },
    async () => deps.engine.usage(),
  );

  app.get(
    "/api/openapi.json",
    {
      schema: {
        tags,
        summary: "This API as an OpenAPI 3 document",
        response: { 200: z.unknown() },
      },
    },
    () => openapi(),
  );
}
