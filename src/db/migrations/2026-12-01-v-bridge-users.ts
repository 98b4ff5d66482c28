import type { Kysely } from "kysely";

// The users a chat bridge lets answer because they paired with a one-time code (`/pair <code>`),
// per platform. Not part of any session: revoking one deletes its row, nothing else.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("bridge_users")
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("paired_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("bridge_users_pk", ["platform", "user_id"])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
