import type { Kysely } from "kysely";

// What the hooks of a session started in a terminal tell of it: the agent's process (to know
// whether it still runs, also after the daemon restarts) and its transcript, as JSON.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").addColumn("terminal", "text").execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
