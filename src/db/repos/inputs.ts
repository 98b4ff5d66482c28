import type { Kysely } from "kysely";
import type { AgentMessageType, InputRow } from "../../core/store.js";
import type { Database, InputsTable } from "../schema.js";

/** The row for a queued input; shared by every write path so they store the same columns. */
export function inputRow(i: InputRow): InputsTable {
  return { session_id: i.session_id, seq: i.seq, type: i.type, data: JSON.stringify(i.data) };
}

export async function insertInputs(db: Kysely<Database>, inputs: readonly InputRow[]) {
  if (inputs.length === 0) return;
  await db.insertInto("inputs").values(inputs.map(inputRow)).execute();
}

export async function readInputs(
  db: Kysely<Database>,
  sessionId: string,
  afterSeq: number,
  limit: number,
): Promise<InputRow[]> {
  const rows = await db
    .selectFrom("inputs")
    .selectAll()
    .where("session_id", "=", sessionId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    session_id: r.session_id,
    seq: Number(r.seq),
    type: r.type as AgentMessageType,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
