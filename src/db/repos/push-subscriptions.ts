// Web Push subscriptions. Read and written by the notifier and the push routes only, never in
// the engine's write batch: a subscription is not part of any session's history.
import type { Kysely } from "kysely";
import type { Database, PushSubscriptionsTable } from "../schema.js";

export type PushSubscriptionRow = PushSubscriptionsTable;

export async function upsertPushSubscription(db: Kysely<Database>, row: PushSubscriptionRow) {
  const { endpoint: _endpoint, created_at: _created, ...changes } = row;
  await db
    .insertInto("push_subscriptions")
    .values(row)
    .onConflict((oc) => oc.column("endpoint").doUpdateSet(changes))
    .execute();
}

export async function listPushSubscriptions(db: Kysely<Database>): Promise<PushSubscriptionRow[]> {
  return db.selectFrom("push_subscriptions").selectAll().orderBy("created_at").execute();
}

/** Deletes one subscription; true when it existed. */
export async function deletePushSubscription(
  db: Kysely<Database>,
  endpoint: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom("push_subscriptions")
    .where("endpoint", "=", endpoint)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
