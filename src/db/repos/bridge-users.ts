// Chat-bridge users paired with a one-time code. Read and written by the bridge host only, never
// in the engine's write batch: a paired user is not part of any session's history.
import type { Kysely } from "kysely";
import type { BridgeUserRecord } from "../../core/store.js";
import type { Database } from "../schema.js";

/** Adds one, or renames the one with this platform and id (keeping when it paired). */
export async function upsertBridgeUser(db: Kysely<Database>, user: BridgeUserRecord) {
  await db
    .insertInto("bridge_users")
    .values(user)
    .onConflict((oc) => oc.columns(["platform", "user_id"]).doUpdateSet({ name: user.name }))
    .execute();
}

/** Oldest first (paired_at, then platform and id); one platform's when given. */
export async function listBridgeUsers(
  db: Kysely<Database>,
  platform?: string,
): Promise<BridgeUserRecord[]> {
  let query = db.selectFrom("bridge_users").selectAll();
  if (platform !== undefined) query = query.where("platform", "=", platform);
  return query.orderBy("paired_at").orderBy("platform").orderBy("user_id").execute();
}

/** Deletes one user; true when it existed. */
export async function deleteBridgeUser(
  db: Kysely<Database>,
  platform: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom("bridge_users")
    .where("platform", "=", platform)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
