import type { Kysely } from "kysely";

// Delivery cursors: how far each consumer (a chat bridge, a hook relay) has delivered each
// session's events, so a restarted consumer resumes exactly after what it delivered. Deleted with
// the session.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("cursors")
    .addColumn("consumer", "text", (c) => c.notNull())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("cursors_pk", ["consumer", "session_id"])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
