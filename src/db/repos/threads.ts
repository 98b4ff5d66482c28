// Chat-bridge threads. Written in the engine's write batch (each replaces the stored one for its
// platform and session) and deleted with their session.
import type { Kysely } from "kysely";
import { type Thread, threadOf, threadRow } from "../../core/rows.js";
import type { Database } from "../schema.js";

/** Inserts, or replaces the thread id, data and time of the row for this platform and session. */
export const UPSERT_THREAD_SQL =
  "insert into threads (platform, session_id, thread_id, data, updated_at) " +
  "values (@platform, @session_id, @thread_id, @data, @updated_at) " +
  "on conflict (platform, session_id) do update set thread_id = excluded.thread_id, " +
  "data = excluded.data, updated_at = excluded.updated_at";

export async function upsertThreads(db: Kysely<Database>, threads: Iterable<Thread>) {
  for (const t of threads) {
    await db
      .insertInto("threads")
      .values(threadRow(t))
      .onConflict((oc) =>
        oc.columns(["platform", "session_id"]).doUpdateSet((eb) => ({
          thread_id: eb.ref("excluded.thread_id"),
          data: eb.ref("excluded.data"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }
}

export async function readThreads(db: Kysely<Database>, platform: string): Promise<Thread[]> {
  const rows = await db
    .selectFrom("threads")
    .selectAll()
    .where("platform", "=", platform)
    .orderBy("session_id")
    .execute();
  return rows.map(threadOf);
}

export async function deleteThreadsOf(db: Kysely<Database>, sessionIds: readonly string[]) {
  if (sessionIds.length === 0) return;
  await db.deleteFrom("threads").where("session_id", "in", sessionIds).execute();
}
