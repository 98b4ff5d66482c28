// Things to commit to a Store in a contract test: a session, an event, an approval… each with
// plain defaults, and a batch made of any of them.
import type { Rule } from "../../dist/core/rules.js";
import {
  type BridgeUserRecord,
  type Cursor,
  cursorKey,
  eventJson,
  type PushSubscriptionRecord,
  type QueuedMessage,
  type Store,
  type StoredEvent,
  type Thread,
  threadKey,
  type WriteBatch,
} from "../../dist/core/store.js";
import type { Approval, EventType, Session } from "../../dist/shared/schemas.js";

/** An ISO timestamp `n` seconds after a fixed start, so order is easy to read. */
export const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();

export function session(id: string, fields: Partial<Session> = {}): Session {
  return {
    id,
    name: `name of ${id}`,
    kind: "external",
    agent: { name: "agent", type: "custom", icon: null, workspace: "/src" },
    directory: "/src",
    platform: null,
    state: "created",
    error: null,
    last_seq: 0,
    agent_cursor: 0,
    agent_session_id: null,
    terminal: null,
    usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    created_at: at(0),
    updated_at: at(0),
    ...fields,
  };
}

/** An event as the engine makes one: its wire JSON serialized once. */
export function event(
  sessionId: string,
  seq: number,
  data: Record<string, unknown> = { text: `event ${seq}` },
  fields: { ts?: string; type?: EventType } = {},
): StoredEvent {
  const base = {
    session_id: sessionId,
    seq,
    ts: fields.ts ?? at(seq),
    type: fields.type ?? "output",
  };
  // A store keeps any data as given: these events carry data of no particular event type.
  return { ...base, data, json: eventJson(base, JSON.stringify(data)) } as StoredEvent;
}

/** Data whose JSON text is exactly `chars` characters long (at least 8). */
export function dataOfChars(chars: number): Record<string, unknown> {
  return { t: "x".repeat(chars - '{"t":""}'.length) };
}

export function approval(id: string, sessionId: string, fields: Partial<Approval> = {}): Approval {
  return {
    id,
    session_id: sessionId,
    seq: 1,
    title: `title of ${id}`,
    description: "",
    options: ["Approve", "Reject"],
    risky_options: [],
    tool_name: "Bash",
    tool_input: { command: "npm test" },
    status: "pending",
    decision: null,
    decided_by: null,
    created_at: at(0),
    resolved_at: null,
    ...fields,
  };
}

export function input(sessionId: string, seq: number, text = `input ${seq}`): QueuedMessage {
  return { session_id: sessionId, seq, type: "human_input", data: { text, timestamp: at(seq) } };
}

export function rule(id: string, sessionId: string, tool = "Bash", createdAt = at(0)): Rule {
  return {
    id,
    session_id: sessionId,
    tool,
    decision: "allow",
    created_at: createdAt,
    created_by: "web:phone",
    source_approval_id: `apr_of_${id}`,
  };
}

export function cursor(consumer: string, sessionId: string, seq: number): Cursor {
  return { consumer, session_id: sessionId, seq };
}

export function thread(
  platform: string,
  sessionId: string,
  threadId: string,
  fields: Partial<Thread> = {},
): Thread {
  return {
    session_id: sessionId,
    platform,
    thread_id: threadId,
    data: {},
    updated_at: at(0),
    ...fields,
  };
}

export function bridgeUser(
  platform: string,
  userId: string,
  fields: Partial<BridgeUserRecord> = {},
): BridgeUserRecord {
  return { platform, user_id: userId, name: `@user${userId}`, paired_at: at(0), ...fields };
}

export function subscription(
  endpoint: string,
  fields: Partial<PushSubscriptionRecord> = {},
): PushSubscriptionRecord {
  return {
    endpoint,
    p256dh: `p256dh of ${endpoint}`,
    auth: `auth of ${endpoint}`,
    label: null,
    user_agent: null,
    created_at: at(0),
    ...fields,
  };
}

export interface BatchParts {
  sessions?: Session[];
  events?: StoredEvent[];
  approvals?: Approval[];
  queued?: QueuedMessage[];
  rules?: Rule[];
  cursors?: Cursor[];
  threads?: Thread[];
  deletedSessions?: string[];
}

export function batchOf(parts: BatchParts): WriteBatch {
  return {
    sessions: new Map((parts.sessions ?? []).map((s) => [s.id, s])),
    approvals: new Map((parts.approvals ?? []).map((a) => [a.id, a])),
    events: parts.events ?? [],
    queued: parts.queued ?? [],
    rules: parts.rules ?? [],
    cursors: new Map((parts.cursors ?? []).map((c) => [cursorKey(c.consumer, c.session_id), c])),
    threads: new Map((parts.threads ?? []).map((t) => [threadKey(t.platform, t.session_id), t])),
    deletedSessions: new Set(parts.deletedSessions ?? []),
  };
}

/** Everything a store holds about `sessionIds` and `consumers`, read through every method, in a
 * form to compare whole (events as their JSON). */
export async function contents(
  store: Store,
  sessionIds: readonly string[],
  consumers: readonly string[] = [],
) {
  const loaded = await store.load();
  const perSession = [];
  for (const id of sessionIds) {
    perSession.push({
      id,
      events: (await store.readEvents(id, 0, 1000)).events.map((e) => e.json),
      queued: await store.readQueue(id, 0, 1000),
      rules: await store.listRules(id),
      approvals: await Promise.all(
        (["pending", "resolved", "cancelled"] as const).map((status) =>
          store.listApprovals({ status, sessionId: id }),
        ),
      ),
    });
  }
  const cursors = [];
  const threads = [];
  for (const consumer of consumers) {
    cursors.push(await store.readCursors(consumer));
    threads.push(await store.readThreads(consumer));
  }
  return {
    sessions: [...loaded.sessions].sort((a, b) => (a.id < b.id ? -1 : 1)),
    pendingApprovals: loaded.pendingApprovals,
    rules: loaded.rules,
    perSession,
    cursors,
    threads,
    pushSubscriptions: await store.pushSubscriptions.list(),
  };
}
