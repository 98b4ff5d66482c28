// The tables of the in-memory store, and how a batch is written to them: turned into rows and
// checked whole before any of it is applied, so it is refused for the same key conflicts the SQL
// schema refuses (primary keys of events and inputs, a rule's id and its one-per-tool-and-session
// key) and a refused batch writes nothing.
import {
  type ApprovalRow,
  approvalRow,
  copyCursor,
  copyRule,
  type EventRow,
  eventRow,
  type QueuedRow,
  queuedRow,
  type SessionRow,
  sessionRow,
} from "./memory-rows.js";
import { type ThreadRow, threadRow } from "./rows.js";
import type { Rule } from "./rules.js";
import { SeqLog } from "./seq-log.js";
import {
  type BridgeUserRecord,
  type Cursor,
  cursorKey,
  type PushSubscriptionRecord,
  threadKey,
  type WriteBatch,
} from "./store.js";

/** What MemoryStores keep. It outlives a store as a database file outlives a connection: a new
 * MemoryStore on the same data is the store after a restart. */
export class MemoryData {
  readonly sessions = new Map<string, SessionRow>();
  readonly events = new Map<string, SeqLog<EventRow>>();
  readonly queued = new Map<string, SeqLog<QueuedRow>>();
  readonly approvals = new Map<string, ApprovalRow>();
  readonly rules = new Map<string, Rule>();
  /** The rules' unique key: one rule per session and tool. */
  readonly ruleKeys = new Set<string>();
  readonly cursors = new Map<string, Cursor>();
  /** By threadKey(platform, session_id). */
  readonly threads = new Map<string, ThreadRow>();
  readonly pushSubscriptions = new Map<string, PushSubscriptionRecord>();
  /** By bridgeUserKey(platform, user_id). */
  readonly bridgeUsers = new Map<string, BridgeUserRecord>();

  /** Writes the whole batch, or throws having written nothing: the batch is turned into rows
   * (which fails for a value JSON cannot hold) and checked for taken keys first. */
  write(batch: WriteBatch): void {
    const rows = rowsOf(batch);
    const conflict = conflictOf(this, rows);
    if (conflict) throw new Error(`UNIQUE constraint failed: ${conflict}`);
    apply(this, rows);
  }
}

/** The key of a paired bridge user, as the table's primary key (platform, user_id). */
export function bridgeUserKey(platform: string, userId: string): string {
  return `${platform}\u0000${userId}`;
}

/** A batch as rows: made before anything is written, so a value that cannot be stored stops the
 * whole batch. */
interface BatchRows {
  sessions: SessionRow[];
  events: { sessionId: string; row: EventRow }[];
  approvals: ApprovalRow[];
  queued: { sessionId: string; row: QueuedRow }[];
  rules: Rule[];
  cursors: Cursor[];
  threads: ThreadRow[];
  deletedSessions: string[];
}

function rowsOf(batch: WriteBatch): BatchRows {
  return {
    sessions: [...batch.sessions.values()].map(sessionRow),
    events: batch.events.map((e) => ({ sessionId: e.session_id, row: eventRow(e) })),
    approvals: [...batch.approvals.values()].map(approvalRow),
    queued: batch.queued.map((m) => ({ sessionId: m.session_id, row: queuedRow(m) })),
    rules: batch.rules.map(copyRule),
    cursors: [...batch.cursors.values()].map(copyCursor),
    threads: [...batch.threads.values()].map(threadRow),
    deletedSessions: [...batch.deletedSessions],
  };
}

/** The first key of `rows` that is taken (on disk or earlier in the batch), said as SQLite
 * says it; undefined when the batch can be written. Only inserts can conflict: sessions,
 * approvals, cursors and threads are upserts, and deletes come after every insert. */
function conflictOf(data: MemoryData, rows: BatchRows): string | undefined {
  const taken =
    seqTaken("events", rows.events, data.events) ?? seqTaken("inputs", rows.queued, data.queued);
  if (taken) return taken;
  const ids = new Set<string>();
  const tools = new Set<string>();
  for (const rule of rows.rules) {
    if (ids.has(rule.id) || data.rules.has(rule.id)) return `rules.id (${rule.id})`;
    const key = ruleKey(rule);
    if (tools.has(key) || data.ruleKeys.has(key)) {
      return `rules.session_id, rules.tool (${rule.session_id}, ${rule.tool})`;
    }
    ids.add(rule.id);
    tools.add(key);
  }
  return undefined;
}

/** The first (session_id, seq) of `entries` that `stored` or an earlier entry holds. */
function seqTaken(
  table: string,
  entries: readonly { sessionId: string; row: { seq: number } }[],
  stored: ReadonlyMap<string, SeqLog<{ seq: number }>>,
): string | undefined {
  const seen = new Set<string>();
  for (const { sessionId, row } of entries) {
    const key = keyOf(sessionId, String(row.seq));
    if (seen.has(key) || stored.get(sessionId)?.has(row.seq)) {
      return `${table}.session_id, ${table}.seq (${sessionId}, ${row.seq})`;
    }
    seen.add(key);
  }
  return undefined;
}

/** Writes `rows`, in the order SqlStore does (so a session deleted in the batch loses what the
 * batch added to it too). Nothing here can fail: conflictOf has checked. */
function apply(data: MemoryData, rows: BatchRows): void {
  for (const s of rows.sessions) {
    const kept = data.sessions.get(s.id);
    data.sessions.set(s.id, kept ? { ...s, created_at: kept.created_at } : s);
  }
  for (const { sessionId, row } of rows.events) logOf(data.events, sessionId).insert(row);
  for (const a of rows.approvals) {
    const kept = data.approvals.get(a.id);
    // A later write changes an approval's resolution, never the request.
    if (kept) {
      kept.status = a.status;
      kept.decision = a.decision;
      kept.decided_by = a.decided_by;
      kept.resolved_at = a.resolved_at;
    } else data.approvals.set(a.id, a);
  }
  for (const { sessionId, row } of rows.queued) logOf(data.queued, sessionId).insert(row);
  for (const r of rows.rules) {
    data.rules.set(r.id, r);
    data.ruleKeys.add(ruleKey(r));
  }
  for (const c of rows.cursors) {
    const key = cursorKey(c.consumer, c.session_id);
    const kept = data.cursors.get(key);
    // A cursor only moves forward.
    if (kept) kept.seq = Math.max(kept.seq, c.seq);
    else data.cursors.set(key, c);
  }
  for (const t of rows.threads) data.threads.set(threadKey(t.platform, t.session_id), t);
  for (const id of rows.deletedSessions) deleteSession(data, id);
}

function deleteSession(data: MemoryData, id: string): void {
  data.sessions.delete(id);
  data.events.delete(id);
  data.queued.delete(id);
  for (const [key, a] of data.approvals) if (a.session_id === id) data.approvals.delete(key);
  for (const [key, r] of data.rules) {
    if (r.session_id !== id) continue;
    data.rules.delete(key);
    data.ruleKeys.delete(ruleKey(r));
  }
  for (const [key, c] of data.cursors) if (c.session_id === id) data.cursors.delete(key);
  for (const [key, t] of data.threads) if (t.session_id === id) data.threads.delete(key);
}

function logOf<T extends { seq: number }>(logs: Map<string, SeqLog<T>>, sessionId: string) {
  let log = logs.get(sessionId);
  if (!log) {
    log = new SeqLog<T>();
    logs.set(sessionId, log);
  }
  return log;
}

function ruleKey(r: Rule): string {
  return keyOf(r.session_id, r.tool);
}

/** One key of several columns (no id or tool name holds a NUL). */
function keyOf(...columns: string[]): string {
  return columns.join("\u0000");
}
