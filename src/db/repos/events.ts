import type { Kysely } from "kysely";
import { eventJson, type StoredEvent } from "../../core/store.js";
import type { EventType } from "../../shared/schemas.js";
import type { Database, EventsTable } from "../schema.js";

// SQLite allows 32,766 bound parameters in one statement; five columns a row.
const ROWS_PER_INSERT = 1000;

export async function insertEvents(db: Kysely<Database>, events: readonly StoredEvent[]) {
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    const rows = events.slice(i, i + ROWS_PER_INSERT).map(eventRow);
    await db.insertInto("events").values(rows).execute();
  }
}

export async function readEvents(
  db: Kysely<Database>,
  sessionId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom("events")
    .select(["seq", "ts", "type", "data"])
    .where("session_id", "=", sessionId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const e = {
      session_id: sessionId,
      seq: Number(r.seq),
      ts: r.ts,
      type: r.type as EventType,
      data: undefined as unknown as Record<string, unknown>,
    };
    return lazyEvent(e, r.data);
  });
}

// A replayed event is mostly sent on as JSON; parse its data only if someone reads it.
function lazyEvent(e: Omit<StoredEvent, "json">, dataJson: string): StoredEvent {
  let data: Record<string, unknown> | undefined;
  const json = eventJson(e, dataJson);
  return {
    session_id: e.session_id,
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    json,
    get data() {
      data ??= JSON.parse(dataJson) as Record<string, unknown>;
      return data;
    },
  };
}

/** The row for an event; shared by every write path so they store the same columns. */
export function eventRow(e: StoredEvent): EventsTable {
  return { session_id: e.session_id, seq: e.seq, ts: e.ts, type: e.type, data: dataJsonOf(e) };
}

// The wire JSON ends with `"data":<data>}`: recover the data text without serializing again.
function dataJsonOf(e: StoredEvent): string {
  const marker = e.json.indexOf(',"data":');
  return e.json.slice(marker + 8, -1);
}
