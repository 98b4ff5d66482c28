import type { Kysely } from "kysely";

// Chat-bridge threads: which thread (a Telegram forum topic, a Slack thread) each session has on
// each platform, with the bridge's small per-thread state as JSON text (e.g. the pinned
// message's id). Deleted with the session. Looked up by thread too, when a message arrives in one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("threads")
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("threads_pk", ["platform", "session_id"])
    .execute();
  await db.schema
    .createIndex("threads_by_thread")
    .on("threads")
    .columns(["platform", "thread_id"])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
