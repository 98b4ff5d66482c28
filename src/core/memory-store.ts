// A Store in memory, for the tests of everything built on the engine and for anything that
// needs a store without a disk. It answers as SqlStore does; test/helpers/store-contract.ts
// runs the same tests against both. Rows are kept as SqlStore writes them (memory-rows.ts), and a
// batch is turned into rows and checked whole before any of it is applied: it is refused for the
// same key conflicts the SQL schema refuses (primary keys of events and inputs, a rule's id and
// its one-per-tool-and-session key), so a refused commit writes nothing.
import {
  type ApprovalRow,
  approvalOf,
  approvalRow,
  copyCursor,
  copyRule,
  copySubscription,
  type EventRow,
  eventOf,
  eventRow,
  inputOf,
  type QueuedRow,
  queuedRow,
  type SessionRow,
  sessionOf,
  sessionRow,
} from "./memory-rows.js";
import type { Rule } from "./rules.js";
import { SeqLog } from "./seq-log.js";
import {
  type ApprovalQuery,
  type Cursor,
  cursorKey,
  type EventPage,
  eventsThatFit,
  type InputRow,
  type LoadedState,
  newestFirst,
  type PushSubscriptionRecord,
  type PushSubscriptionStore,
  type Store,
  type WriteBatch,
} from "./store.js";

/** What MemoryStores keep. It outlives a store as a database file outlives a connection: a new
 * MemoryStore on the same data is the store after a restart. */
export class MemoryData {
  readonly sessions = new Map<string, SessionRow>();
  readonly events = new Map<string, SeqLog<EventRow>>();
  readonly inputs = new Map<string, SeqLog<QueuedRow>>();
  readonly approvals = new Map<string, ApprovalRow>();
  readonly rules = new Map<string, Rule>();
  /** The rules' unique key: one rule per session and tool. */
  readonly ruleKeys = new Set<string>();
  readonly cursors = new Map<string, Cursor>();
  readonly pushSubscriptions = new Map<string, PushSubscriptionRecord>();
}

/** A batch as rows: made before anything is written, so a value that cannot be stored stops the
 * whole batch. */
interface BatchRows {
  sessions: SessionRow[];
  events: { sessionId: string; row: EventRow }[];
  approvals: ApprovalRow[];
  inputs: { sessionId: string; row: QueuedRow }[];
  rules: Rule[];
  cursors: Cursor[];
  deletedSessions: string[];
}

export class MemoryStore implements Store {
  readonly pushSubscriptions: PushSubscriptionStore;
  private closed = false;

  constructor(private readonly data: MemoryData = new MemoryData()) {
    const subscriptions = data.pushSubscriptions;
    this.pushSubscriptions = {
      upsert: (s) =>
        this.run(() => {
          const kept = subscriptions.get(s.endpoint);
          const created_at = kept ? kept.created_at : s.created_at;
          subscriptions.set(s.endpoint, { ...copySubscription(s), created_at });
        }),
      list: () =>
        this.run(() =>
          [...subscriptions.values()]
            .sort((a, b) => compare(a.created_at, b.created_at))
            .map(copySubscription),
        ),
      delete: (endpoint) => this.run(() => subscriptions.delete(endpoint)),
    };
  }

  load(): Promise<LoadedState> {
    return this.run(() => ({
      sessions: [...this.data.sessions.values()].map((r) =>
        sessionOf(r, this.data.events.get(r.id)?.last),
      ),
      pendingApprovals: this.approvals({ status: "pending" }),
      rules: this.rules(),
    }));
  }

  commit(batch: WriteBatch): Promise<void> {
    return this.run(() => {
      const rows = rowsOf(batch);
      const conflict = conflictOf(this.data, rows);
      if (conflict) throw new Error(`UNIQUE constraint failed: ${conflict}`);
      apply(this.data, rows);
    });
  }

  readEvents(
    sessionId: string,
    afterSeq: number,
    limit: number,
    maxChars = Number.POSITIVE_INFINITY,
  ): Promise<EventPage> {
    return this.run(() => {
      // One more than asked for, to know whether more follow.
      const rows = this.data.events.get(sessionId)?.after(afterSeq, limit + 1) ?? [];
      const chars = rows.map((r) => r.chars);
      const count = eventsThatFit(chars, limit, maxChars);
      if (count === 0) return { events: [], hasMore: false };
      const events = rows.slice(0, count).map((r) => eventOf(sessionId, r));
      return { events, hasMore: rows.length > count };
    });
  }

  readInputs(sessionId: string, afterSeq: number, limit: number): Promise<InputRow[]> {
    return this.run(() => {
      const rows = this.data.inputs.get(sessionId)?.after(afterSeq, limit) ?? [];
      return rows.map((r) => inputOf(sessionId, r));
    });
  }

  getApproval(id: string) {
    return this.run(() => {
      const row = this.data.approvals.get(id);
      return row && approvalOf(row);
    });
  }

  listApprovals(query: ApprovalQuery) {
    return this.run(() => this.approvals(query));
  }

  listRules(sessionId: string) {
    return this.run(() => this.rules(sessionId));
  }

  readCursors(consumer: string) {
    return this.run(() =>
      [...this.data.cursors.values()]
        .filter((c) => c.consumer === consumer)
        .sort((a, b) => compare(a.session_id, b.session_id))
        .map(copyCursor),
    );
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs `work` now, as the SQLite store does, answering through a promise; refused once
   * closed, as a closed database refuses. */
  private run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private approvals(query: ApprovalQuery) {
    const { status, sessionId, before, limit } = query;
    const found = [...this.data.approvals.values()].filter(
      (a) =>
        a.status === status &&
        (sessionId === undefined || a.session_id === sessionId) &&
        (before === undefined || newestFirst(before, a) < 0),
    );
    found.sort(newestFirst);
    // As SQL reads LIMIT: a negative one is none.
    return (limit === undefined || limit < 0 ? found : found.slice(0, limit)).map(approvalOf);
  }

  /** Oldest first (created_at, then id); a session's only when `sessionId` is given. */
  private rules(sessionId?: string) {
    return [...this.data.rules.values()]
      .filter((r) => sessionId === undefined || r.session_id === sessionId)
      .sort((a, b) => compare(a.created_at, b.created_at) || compare(a.id, b.id))
      .map(copyRule);
  }
}

function rowsOf(batch: WriteBatch): BatchRows {
  return {
    sessions: [...batch.sessions.values()].map(sessionRow),
    events: batch.events.map((e) => ({ sessionId: e.session_id, row: eventRow(e) })),
    approvals: [...batch.approvals.values()].map(approvalRow),
    inputs: batch.inputs.map((i) => ({ sessionId: i.session_id, row: queuedRow(i) })),
    rules: batch.rules.map(copyRule),
    cursors: [...batch.cursors.values()].map(copyCursor),
    deletedSessions: [...batch.deletedSessions],
  };
}

/** The first key of `rows` that is taken (on disk or earlier in the batch), said as SQLite
 * says it; undefined when the batch can be written. Only inserts can conflict: sessions,
 * approvals and cursors are upserts, and deletes come after every insert. */
function conflictOf(data: MemoryData, rows: BatchRows): string | undefined {
  const taken =
    seqTaken("events", rows.events, data.events) ?? seqTaken("inputs", rows.inputs, data.inputs);
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
  for (const { sessionId, row } of rows.inputs) logOf(data.inputs, sessionId).insert(row);
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
  for (const id of rows.deletedSessions) deleteSession(data, id);
}

function deleteSession(data: MemoryData, id: string): void {
  data.sessions.delete(id);
  data.events.delete(id);
  data.inputs.delete(id);
  for (const [key, a] of data.approvals) if (a.session_id === id) data.approvals.delete(key);
  for (const [key, r] of data.rules) {
    if (r.session_id !== id) continue;
    data.rules.delete(key);
    data.ruleKeys.delete(ruleKey(r));
  }
  for (const [key, c] of data.cursors) if (c.session_id === id) data.cursors.delete(key);
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

/** Text in SQL's order for the ids and ISO timestamps stored here. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
