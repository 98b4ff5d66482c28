// The commit path on SQLite: one synchronous better-sqlite3 transaction per batch, through
// statements prepared once. Building and compiling each statement through Kysely on every tick
// (and preparing it again in SQLite) cost more CPU than the writes themselves; this path keeps
// the same tables, columns and row mappers as the portable repos, so either can read what the
// other wrote.
import type SqliteDatabase from "better-sqlite3";
import { threadRow } from "../../core/rows.js";
import type { WriteBatch } from "../../core/store.js";
import type {
  ApprovalsTable,
  EventsTable,
  InputsTable,
  RulesTable,
  SessionsTable,
} from "../schema.js";
import { queuedRow } from "./agent-queue.js";
import { approvalRow } from "./approvals.js";
import { cursorRow, UPSERT_CURSOR_SQL } from "./cursors.js";
import { eventRow } from "./events.js";
import { ruleRow } from "./rules.js";
import { sessionRow } from "./sessions.js";
import { UPSERT_THREAD_SQL } from "./threads.js";

const SESSION_COLUMNS = [
  "id",
  "name",
  "kind",
  "agent",
  "directory",
  "platform",
  "state",
  "error",
  "agent_cursor",
  "agent_session_id",
  "terminal",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof SessionsTable)[];

const APPROVAL_COLUMNS = [
  "id",
  "session_id",
  "seq",
  "title",
  "description",
  "options",
  "risky_options",
  "tool_name",
  "tool_input",
  "status",
  "decision",
  "decided_by",
  "created_at",
  "resolved_at",
] as const satisfies readonly (keyof ApprovalsTable)[];

/** What a later write may change in an approval: its resolution, never the request. */
const APPROVAL_MUTABLE = [
  "status",
  "decision",
  "decided_by",
  "resolved_at",
] as const satisfies readonly (keyof ApprovalsTable)[];

const EVENT_COLUMNS = [
  "session_id",
  "seq",
  "ts",
  "type",
  "data",
] as const satisfies readonly (keyof EventsTable)[];

const QUEUE_COLUMNS = [
  "session_id",
  "seq",
  "type",
  "data",
] as const satisfies readonly (keyof InputsTable)[];

const RULE_COLUMNS = [
  "id",
  "session_id",
  "tool",
  "decision",
  "created_at",
  "created_by",
  "source_approval_id",
] as const satisfies readonly (keyof RulesTable)[];

const insert = (table: string, columns: readonly string[]) =>
  `insert into ${table} (${columns.join(", ")}) values (${columns.map((c) => `@${c}`).join(", ")})`;

const upsert = (table: string, columns: readonly string[], mutable: readonly string[]) =>
  `${insert(table, columns)} on conflict (id) do update set ${mutable
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;

/** Everything of a session but its id and creation time may change. */
const SESSION_MUTABLE = SESSION_COLUMNS.filter((c) => c !== "id" && c !== "created_at");

/**
 * Prepares the statements (the tables must exist, so call this after migrating) and returns a
 * function that writes one batch in one transaction, or throws having written nothing.
 */
export function sqliteBatchWriter(raw: SqliteDatabase.Database): (batch: WriteBatch) => void {
  const upsertSession = raw.prepare(upsert("sessions", SESSION_COLUMNS, SESSION_MUTABLE));
  const insertEvent = raw.prepare(insert("events", EVENT_COLUMNS));
  const upsertApproval = raw.prepare(upsert("approvals", APPROVAL_COLUMNS, APPROVAL_MUTABLE));
  const insertQueued = raw.prepare(insert("inputs", QUEUE_COLUMNS));
  const insertRule = raw.prepare(insert("rules", RULE_COLUMNS));
  const upsertCursor = raw.prepare(UPSERT_CURSOR_SQL);
  const upsertThread = raw.prepare(UPSERT_THREAD_SQL);
  const deletes = [
    "delete from threads where session_id = ?",
    "delete from cursors where session_id = ?",
    "delete from rules where session_id = ?",
    "delete from events where session_id = ?",
    "delete from inputs where session_id = ?",
    "delete from approvals where session_id = ?",
    "delete from sessions where id = ?",
  ].map((text) => raw.prepare(text));

  // Same order as the portable path: a session row exists before its events and approvals.
  return raw.transaction((batch: WriteBatch) => {
    for (const s of batch.sessions.values()) upsertSession.run(sessionRow(s));
    for (const e of batch.events) insertEvent.run(eventRow(e));
    for (const a of batch.approvals.values()) upsertApproval.run(approvalRow(a));
    for (const m of batch.queued) insertQueued.run(queuedRow(m));
    for (const r of batch.rules) insertRule.run(ruleRow(r));
    for (const c of batch.cursors.values()) upsertCursor.run(cursorRow(c));
    for (const t of batch.threads.values()) upsertThread.run(threadRow(t));
    for (const id of batch.deletedSessions) for (const d of deletes) d.run(id);
  });
}
