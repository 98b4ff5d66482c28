import type { Kysely } from "kysely";
import {
  dataJsonOf,
  type EventPage,
  eventsThatFit,
  type StoredEvent,
  storedEvent,
} from "../../core/store.js";
import type { Database, EventsTable } from "../schema.js";

// SQLite allows 32,766 bound parameters in one statement; five columns a row.
const ROWS_PER_INSERT = 1000;

export async function insertEvents(db: Kysely<Database>, events: readonly StoredEvent[]) {
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    const rows = events.slice(i, i + ROWS_PER_INSERT).map(eventRow);
    await db.insertInto("events").values(rows).execute();
  }
}

/**
 * A page of events after `afterSeq`: at most `limit`, and none past the one that brings their
 * data to `maxChars`, so a page of large outputs stays a few MB instead of the whole session.
 * The sizes are read first (small rows), then only the events of the page.
 */
export async function readEvents(
  db: Kysely<Database>,
  sessionId: string,
  afterSeq: number,
  limit: number,
  maxChars = Number.POSITIVE_INFINITY,
): Promise<EventPage> {
  const sizes = await db
    .selectFrom("events")
    .select((eb) => ["seq", eb.fn<number>("length", ["data"]).as("chars")])
    .where("session_id", "=", sessionId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    // One more than asked for, to know whether more follow.
    .limit(limit + 1)
    .execute();
  const chars = sizes.map((s) => Number(s.chars));
  const count = eventsThatFit(chars, limit, maxChars);
  if (count === 0) return { events: [], hasMore: false };
  const lastSeq = Number(sizes[count - 1]!.seq);
  const rows = await db
    .selectFrom("events")
    .select(["seq", "ts", "type", "data"])
    .where("session_id", "=", sessionId)
    .where("seq", ">", afterSeq)
    .where("seq", "<=", lastSeq)
    .orderBy("seq")
    .execute();
  const events = rows.map((r) =>
    storedEvent({ session_id: sessionId, seq: Number(r.seq), ts: r.ts, type: r.type }, r.data),
  );
  return { events, hasMore: sizes.length > count };
}

/** The row for an event; shared by every write path so they store the same columns. */
export function eventRow(e: StoredEvent): EventsTable {
  return { session_id: e.session_id, seq: e.seq, ts: e.ts, type: e.type, data: dataJsonOf(e) };
}
