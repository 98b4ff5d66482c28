import type { Kysely } from "kysely";
import { sessionOf, sessionRow } from "../../core/rows.js";
import type { Session } from "../../shared/schemas.js";
import type { Database } from "../schema.js";

/** The row for a session; shared by every write path (and the in-memory store). */
export { sessionRow };

export async function upsertSessions(db: Kysely<Database>, sessions: Iterable<Session>) {
  for (const s of sessions) {
    const row = sessionRow(s);
    const { id: _id, created_at: _created, ...changes } = row;
    await db
      .insertInto("sessions")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet(changes))
      .execute();
  }
}

export async function deleteSessions(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return;
  await db.deleteFrom("events").where("session_id", "in", ids).execute();
  await db.deleteFrom("inputs").where("session_id", "in", ids).execute();
  await db.deleteFrom("approvals").where("session_id", "in", ids).execute();
  await db.deleteFrom("sessions").where("id", "in", ids).execute();
}

/** All sessions, with last_seq and updated_at taken from their newest event. */
export async function loadSessions(db: Kysely<Database>): Promise<Session[]> {
  const rows = await db
    .selectFrom("sessions as s")
    .selectAll("s")
    .select((eb) => [
      eb
        .selectFrom("events as e")
        .whereRef("e.session_id", "=", "s.id")
        .select((e) => e.fn.max("e.seq").as("m"))
        .as("last_seq"),
    ])
    .execute();
  const sessions: Session[] = [];
  for (const r of rows) {
    const lastSeq = Number(r.last_seq ?? 0);
    const lastTs =
      lastSeq > 0
        ? await db
            .selectFrom("events")
            .select("ts")
            .where("session_id", "=", r.id)
            .where("seq", "=", lastSeq)
            .executeTakeFirst()
        : undefined;
    sessions.push(
      sessionOf(r, lastSeq > 0 ? { seq: lastSeq, ts: lastTs?.ts ?? r.updated_at } : undefined),
    );
  }
  return sessions;
}
