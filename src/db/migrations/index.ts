import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./2026-11-25-initial.js";
import * as agentSessionId from "./2026-11-26-agent-session-id.js";
import * as pushSubscriptions from "./2026-11-27-push-subscriptions.js";
import * as rules from "./2026-12-01-rules.js";
import * as cursors from "./2026-12-01-session-cursors.js";
import * as riskyOptions from "./2026-12-01-t-risky-options.js";
import * as bridgeThreads from "./2026-12-01-u-bridge-threads.js";
import * as bridgeUsers from "./2026-12-01-v-bridge-users.js";
import * as terminalProcess from "./2026-12-01-w-terminal-process.js";

// Dated, forward-only. Add a file and a line; never edit a migration that has shipped.
export const MIGRATIONS: Record<string, Migration> = {
  "2026-11-25-initial": initial,
  "2026-11-26-agent-session-id": agentSessionId,
  "2026-11-27-push-subscriptions": pushSubscriptions,
  "2026-12-01-rules": rules,
  "2026-12-01-session-cursors": cursors,
  "2026-12-01-t-risky-options": riskyOptions,
  "2026-12-01-u-bridge-threads": bridgeThreads,
  "2026-12-01-v-bridge-users": bridgeUsers,
  "2026-12-01-w-terminal-process": terminalProcess,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
