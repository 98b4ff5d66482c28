// Delivery cursors. Moved forward in the engine's write batch (a cursor never goes back, so a
// late write of an older position changes nothing) and deleted with their session.
import type { Kysely } from "kysely";
import type { Cursor } from "../../core/store.js";
import type { CursorsTable, Database } from "../schema.js";

/** The row for a cursor; shared by every write path so they store the same columns. */
export function cursorRow(c: Cursor): CursorsTable {
  return { consumer: c.consumer, session_id: c.session_id, seq: c.seq };
}

/** Inserts or moves forward; an older seq than the stored one is ignored. */
export const UPSERT_CURSOR_SQL =
  "insert into cursors (consumer, session_id, seq) values (@consumer, @session_id, @seq) " +
  "on conflict (consumer, session_id) do update set seq = max(cursors.seq, excluded.seq)";

export async function upsertCursors(db: Kysely<Database>, cursors: Iterable<Cursor>) {
  for (const c of cursors) {
    await db
      .insertInto("cursors")
      .values(cursorRow(c))
      .onConflict((oc) =>
        oc.columns(["consumer", "session_id"]).doUpdateSet((eb) => ({
          seq: eb.fn<number>("max", [eb.ref("cursors.seq"), eb.ref("excluded.seq")]),
        })),
      )
      .execute();
  }
}

export async function readCursors(db: Kysely<Database>, consumer: string): Promise<Cursor[]> {
  return db
    .selectFrom("cursors")
    .selectAll()
    .where("consumer", "=", consumer)
    .orderBy("session_id")
    .execute();
}

export async function deleteCursorsOf(db: Kysely<Database>, sessionIds: readonly string[]) {
  if (sessionIds.length === 0) return;
  await db.deleteFrom("cursors").where("session_id", "in", sessionIds).execute();
}
