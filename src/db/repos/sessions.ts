import type { Kysely } from "kysely";
import { AgentMetadata, type Session, SessionState } from "../../shared/schemas.js";
import type { Database, SessionsTable } from "../schema.js";

/** The row for a session; shared by every write path so they store the same columns. */
export function sessionRow(s: Session): SessionsTable {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    agent: JSON.stringify(s.agent),
    directory: s.directory,
    platform: s.platform,
    state: s.state,
    error: s.error,
    agent_cursor: s.agent_cursor,
    agent_session_id: s.agent_session_id,
    input_tokens: s.usage.input_tokens,
    output_tokens: s.usage.output_tokens,
    cost_usd: s.usage.cost_usd,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

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
    sessions.push({
      id: r.id,
      name: r.name,
      kind: r.kind,
      agent: AgentMetadata.parse(JSON.parse(r.agent)),
      directory: r.directory,
      platform: r.platform,
      state: SessionState.parse(r.state),
      error: r.error,
      last_seq: lastSeq,
      agent_cursor: Number(r.agent_cursor),
      agent_session_id: r.agent_session_id ?? null,
      usage: {
        input_tokens: Number(r.input_tokens),
        output_tokens: Number(r.output_tokens),
        cost_usd: Number(r.cost_usd),
      },
      created_at: r.created_at,
      updated_at: lastTs && lastTs.ts > r.updated_at ? lastTs.ts : r.updated_at,
    });
  }
  return sessions;
}
