import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./2026-11-25-initial.js";

// Dated, forward-only. Add a file and a line; never edit a migration that has shipped.
export const MIGRATIONS: Record<string, Migration> = {
  "2026-11-25-initial": initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
