import type { Kysely } from "kysely";
import type { AgentMessageType, InputRow } from "../../core/store.js";
import type { Database } from "../schema.js";

export async function insertInputs(db: Kysely<Database>, inputs: readonly InputRow[]) {
  if (inputs.length === 0) return;
  await db
    .insertInto("inputs")
    .values(inputs.map((i) => ({ ...i, data: JSON.stringify(i.data) })))
    .execute();
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
