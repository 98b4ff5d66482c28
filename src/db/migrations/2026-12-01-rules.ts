import type { Kysely } from "kysely";

// Session rules ("Allow Bash for this session") as rows, so a session keeps its rules however
// many approvals follow. One rule per tool and session; deleted with the session.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("rules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull())
    .addColumn("tool", "text", (c) => c.notNull())
    .addColumn("decision", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("source_approval_id", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("rules_by_session_tool")
    .on("rules")
    .columns(["session_id", "tool"])
    .unique()
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
