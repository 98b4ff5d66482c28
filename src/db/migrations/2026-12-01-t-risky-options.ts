import { type Kysely, sql } from "kysely";

// The options of an approval the human confirms before they are sent (a force-push, a
// deletion), as JSON like `options`. Approvals asked before have none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("approvals")
    .addColumn("risky_options", "text", (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("migrations are forward-only");
}
