// What a new session would run, and where, before anyone creates one: the default adapter, the
// others, and the folder an agent starts in when no directory is given (the first allowed root,
// as allowed-roots.ts resolves it, so the web app says exactly what the server will do).
import { allowedDirectory, allowedRoots } from "../../adapters/allowed-roots.js";
import { ADAPTER_NAMES, ADAPTERS, aliasOf } from "../../shared/kinds.js";
import { AgentsReply } from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Sessions"];

export function agentRoutes(app: App, deps: ServerDeps) {
  app.get(
    "/api/agents",
    {
      schema: {
        tags,
        summary: "The agents a session can run, the default one, and where it runs by default",
        response: { 200: AgentsReply },
      },
    },
    async () => ({
      default_kind: deps.agents.defaultKind,
      kinds: ADAPTER_NAMES.map((kind) => ({
        kind,
        alias: aliasOf(kind) ?? null,
        agent: ADAPTERS[kind].agent,
        login: ADAPTERS[kind].login,
      })),
      default_directory: defaultDirectory(deps.agents.allowedRoots),
      allowed_roots: allowedRoots(deps.agents.allowedRoots),
    }),
  );
}

function defaultDirectory(configured: readonly string[] | undefined): string | null {
  try {
    return allowedDirectory(undefined, configured);
  } catch {
    return null; // The first root is missing: a session without a directory would be refused.
  }
}
