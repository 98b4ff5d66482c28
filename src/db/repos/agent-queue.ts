// The agents' queues: messages for an agent (input, decisions, interrupts) until it acknowledges
// them. Stored in the `inputs` table, the name it had when it held only the human's input.
import type { Kysely } from "kysely";
import type { QueuedMessage } from "../../core/store.js";
import type { Database, InputsTable } from "../schema.js";

/** The row for a queued message; shared by every write path so they store the same columns. */
export function queuedRow(m: QueuedMessage): InputsTable {
  return { session_id: m.session_id, seq: m.seq, type: m.type, data: JSON.stringify(m.data) };
}

export async function insertQueued(db: Kysely<Database>, queued: readonly QueuedMessage[]) {
  if (queued.length === 0) return;
  await db.insertInto("inputs").values(queued.map(queuedRow)).execute();
}

export async function readQueue(
  db: Kysely<Database>,
  sessionId: string,
  afterSeq: number,
  limit: number,
): Promise<QueuedMessage[]> {
  const rows = await db
    .selectFrom("inputs")
    .selectAll()
    .where("session_id", "=", sessionId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  // Rows the engine wrote from AgentMessage (shared/schemas.ts): the type says the data's shape.
  return rows.map(
    (r) =>
      ({
        session_id: r.session_id,
        seq: Number(r.seq),
        type: r.type,
        data: JSON.parse(r.data),
      }) as QueuedMessage,
  );
}
