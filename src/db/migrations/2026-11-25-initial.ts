import { type Kysely, SqliteAdapter, sql } from "kysely";

// One session's log must be contiguous on disk so a replay reads it in order: on SQLite the
// log tables are WITHOUT ROWID, clustered by their (session_id, seq) key.
function clustered(db: Kysely<unknown>) {
  return db.getExecutor().adapter instanceof SqliteAdapter ? sql`without rowid` : sql``;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("agent", "text", (c) => c.notNull())
    .addColumn("directory", "text")
    .addColumn("platform", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("agent_cursor", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("input_tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("output_tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("cost_usd", "double precision", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("events")
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("ts", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("events_pk", ["session_id", "seq"])
    .modifyEnd(clustered(db))
    .execute();

  await db.schema
    .createTable("approvals")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("options", "text", (c) => c.notNull())
    .addColumn("tool_name", "text")
    .addColumn("tool_input", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("decision", "text")
    .addColumn("decided_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .execute();
  await db.schema
    .createIndex("approvals_by_status")
    .on("approvals")
    .columns(["status", "session_id"])
    .execute();
  await db.schema
    .createIndex("approvals_by_session")
    .on("approvals")
    .column("session_id")
    .execute();

  await db.schema
    .createTable("inputs")
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("inputs_pk", ["session_id", "seq"])
    .modifyEnd(clustered(db))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
