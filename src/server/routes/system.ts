import { z } from "zod";
import { Health, UsageReply } from "../../shared/schemas.js";
import type { OpenApi } from "../openapi.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["System"];

/** All that /api/live says: the daemon is up. */
const Liveness = z.object({ status: z.literal("ok") });

export function systemRoutes(app: App, deps: ServerDeps, openapi: OpenApi) {
  const startedAt = Date.now();

  app.get(
    "/api/health",
    { schema: { tags, summary: "Is the daemon up", response: { 200: Health } } },
    async () => ({
      status: "ok" as const,
      version: deps.version,
      uptime_s: (Date.now() - startedAt) / 1000,
      sessions: deps.engine.sessionCount,
      pending_approvals: deps.engine.approvals.pendingCount,
      auth: deps.authRequired,
      bridges: deps.bridges.health(),
    }),
  );

  app.get(
    "/api/live",
    {
      schema: {
        tags,
        summary: "Is the daemon up (no token needed)",
        description:
          'Liveness for scripts and service managers: `{"status":"ok"}` and nothing more, to ' +
          "anyone who can reach the daemon. The details (version, counts) are on /api/health.",
        security: [],
        response: { 200: Liveness },
      },
    },
    async () => ({ status: "ok" as const }),
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
