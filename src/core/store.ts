// What the engine needs from durable storage. The SQL implementation lives in db/; the engine
// knows nothing about SQL dialects.
import type {
  AgentMessage,
  Approval,
  EventOf,
  EventType,
  Session,
  TetherEvent,
} from "../shared/schemas.js";
import type { Thread } from "./rows.js";
import type { Rule } from "./rules.js";

export type { Thread } from "./rows.js";

/** An event with its wire JSON, serialized once and shared by every subscriber. */
export type StoredEvent = TetherEvent & { readonly json: string };
/** A stored event of one type. */
export type StoredEventOf<T extends EventType> = EventOf<T> & { readonly json: string };

/** A message in an agent's queue (a human's input, a decision, an interrupt), keyed by the seq
 * of the event that recorded it. Delivered at least once, until the agent acknowledges it. */
export type QueuedMessage = AgentMessage & { session_id: string };

/** Everything written in one transaction: all changes made during one event-loop tick. */
export interface WriteBatch {
  sessions: Map<string, Session>;
  approvals: Map<string, Approval>;
  events: StoredEvent[];
  /** Messages added to agents' queues (stored in the `inputs` table). */
  queued: QueuedMessage[];
  /** New session rules (a rule is never changed, only deleted with its session). */
  rules: Rule[];
  /** Delivery cursors moved forward, by `cursorKey(consumer, session_id)`. */
  cursors: Map<string, Cursor>;
  /** Threads opened or changed on chat platforms, by `threadKey(platform, session_id)`: each
   * replaces the one stored for its session and platform. */
  threads: Map<string, Thread>;
  /** Deleting a session deletes its events, approvals, queued messages, rules, cursors and
   * threads. */
  deletedSessions: Set<string>;
}

/** How far one consumer (a chat bridge, a hook relay) has delivered one session's events: every
 * event up to and including `seq`. Kept so a restarted consumer resumes exactly after it. */
export interface Cursor {
  consumer: string;
  session_id: string;
  seq: number;
}

export function cursorKey(consumer: string, sessionId: string): string {
  return `${consumer}\u0000${sessionId}`;
}

export function threadKey(platform: string, sessionId: string): string {
  return `${platform}\u0000${sessionId}`;
}

/** A browser's Web Push subscription (PushSubscription.toJSON(), plus who it is). Not part of any
 * session's history, so written directly, never in the engine's batch. */
export interface PushSubscriptionRecord {
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string | null;
  user_agent: string | null;
  created_at: string;
}

export interface PushSubscriptionStore {
  /** Adds one, or replaces the keys and label of the one with this endpoint (keeping its
   * created_at). */
  upsert(subscription: PushSubscriptionRecord): Promise<void>;
  /** Oldest first. */
  list(): Promise<PushSubscriptionRecord[]>;
  /** True when it existed. */
  delete(endpoint: string): Promise<boolean>;
}

/** A chat-platform user a bridge lets answer because they paired with a one-time code. Not part
 * of any session's history, so written directly, never in the engine's batch. */
export interface BridgeUserRecord {
  platform: string;
  /** The platform's user id, as a string (`1001`). */
  user_id: string;
  /** How the platform names them (`@ada`). */
  name: string;
  paired_at: string;
}

export interface BridgeUserStore {
  /** Adds one, or renames the one with this platform and user id (keeping its paired_at). */
  add(user: BridgeUserRecord): Promise<void>;
  /** Oldest first; only `platform`'s when given. */
  list(platform?: string): Promise<BridgeUserRecord[]>;
  /** True when it existed. */
  remove(platform: string, userId: string): Promise<boolean>;
}

export function emptyBatch(): WriteBatch {
  return {
    sessions: new Map(),
    approvals: new Map(),
    events: [],
    queued: [],
    rules: [],
    cursors: new Map(),
    threads: new Map(),
    deletedSessions: new Set(),
  };
}

export interface LoadedState {
  sessions: Session[];
  pendingApprovals: Approval[];
  /** Every session rule: few (one per tool and session), and consulted on every request. */
  rules: Rule[];
}

/** Where a page of approvals (newest first) starts: after this one. */
export interface ApprovalCursor {
  created_at: string;
  id: string;
}

export interface ApprovalQuery {
  status: Approval["status"];
  sessionId?: string | undefined;
  /** At most this many; all when absent. */
  limit?: number | undefined;
  /** Only approvals older than this one (by created_at, then id). */
  before?: ApprovalCursor | undefined;
}

/** Newest first: created_at descending, then id descending, so every approval has one place. */
export function newestFirst(a: ApprovalCursor, b: ApprovalCursor): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** A page of events, and whether more follow it. */
export interface EventPage {
  events: StoredEvent[];
  hasMore: boolean;
}

/** How many of the events after a page's start belong in it (see Store.readEvents), given the
 * size of each of them in order (at least `limit` + 1 of them when there are that many): at most
 * `limit`, none past the one that brings their data to `maxChars`, and the first whatever its
 * size. */
export function eventsThatFit(chars: readonly number[], limit: number, maxChars: number): number {
  let count = 0;
  let total = 0;
  while (count < chars.length && count < limit && (count === 0 || total < maxChars)) {
    total += chars[count]!;
    count++;
  }
  return count;
}

export interface Store {
  load(): Promise<LoadedState>;
  commit(batch: WriteBatch): Promise<void>;
  /** Events after `afterSeq`, in seq order: at most `limit` of them, and no more once their data
   * adds up to `maxChars` (the first is returned whatever its size). */
  readEvents(
    sessionId: string,
    afterSeq: number,
    limit: number,
    maxChars?: number,
  ): Promise<EventPage>;
  /** A session's queued messages after `afterSeq`, in seq order. */
  readQueue(sessionId: string, afterSeq: number, limit: number): Promise<QueuedMessage[]>;
  getApproval(id: string): Promise<Approval | undefined>;
  /** Approvals newest first (see newestFirst). */
  listApprovals(query: ApprovalQuery): Promise<Approval[]>;
  /** A session's rules, oldest first. */
  listRules(sessionId: string): Promise<Rule[]>;
  /** A consumer's cursors, one per session it has delivered something of. */
  readCursors(consumer: string): Promise<Cursor[]>;
  /** A platform's threads, one per session that has one, by session id. */
  readThreads(platform: string): Promise<Thread[]>;
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly bridgeUsers: BridgeUserStore;
  close(): Promise<void>;
}

/** What precedes an event's data: who, when and what kind. */
export interface EventHead {
  session_id: string;
  seq: number;
  ts: string;
  type: string;
}

export function eventJson(e: EventHead, dataJson: string): string {
  return `{"session_id":${JSON.stringify(e.session_id)},"seq":${e.seq},"ts":"${e.ts}","type":"${e.type}","data":${dataJson}}`;
}

/** The text of an event's data, taken from its wire JSON (which ends with `"data":<data>}`)
 * without serializing it again: what a store keeps as the event's data. */
export function dataJsonOf(e: StoredEvent): string {
  const marker = e.json.indexOf(',"data":');
  return e.json.slice(marker + 8, -1);
}

/** An event read back from a store. A replayed event is mostly sent on as JSON, so its data is
 * parsed only if someone reads it. The row was written from the event type's schema
 * (shared/schemas.ts EVENT_DATA), so its data has the shape its type says. */
export function storedEvent(head: EventHead, dataJson: string): StoredEvent {
  let data: unknown;
  const json = eventJson(head, dataJson);
  return {
    session_id: head.session_id,
    seq: head.seq,
    ts: head.ts,
    type: head.type,
    json,
    get data() {
      data ??= JSON.parse(dataJson);
      return data;
    },
  } as StoredEvent;
}
