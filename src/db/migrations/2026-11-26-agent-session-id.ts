import type { Kysely } from "kysely";

// The agent's own id for a session (a Claude Code session id, a Codex thread id), so a session
// that Tether runs can be resumed after the daemon restarts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").addColumn("agent_session_id", "text").execute();
}
