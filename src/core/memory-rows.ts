// The rows the in-memory store keeps, and how a domain object becomes one and comes back: the
// same columns SqlStore writes (db/repos/*), with JSON columns kept as text. Text rather than
// objects makes every write and every read a copy, so a caller that changes an object after
// handing it over (or after getting it back) changes nothing stored; and what comes back is what
// SQL gives back (a value JSON cannot hold dropped, an agent's metadata parsed with its defaults).
import { AgentMetadata, type Approval, type Session, SessionState } from "../shared/schemas.js";
import type { Rule } from "./rules.js";
import {
  type Cursor,
  dataJsonOf,
  type PushSubscriptionRecord,
  type QueuedMessage,
  type StoredEvent,
  storedEvent,
} from "./store.js";

export interface SessionRow {
  id: string;
  name: string;
  kind: string;
  agent: string;
  directory: string | null;
  platform: string | null;
  state: string;
  error: string | null;
  agent_cursor: number;
  agent_session_id: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  created_at: string;
  updated_at: string;
}

export interface EventRow {
  seq: number;
  ts: string;
  type: string;
  data: string;
  /** The data's length in characters (code points), as SQL's length() counts it. */
  chars: number;
}

export interface QueuedRow {
  seq: number;
  type: string;
  data: string;
}

export interface ApprovalRow extends Omit<Approval, "options" | "tool_input"> {
  options: string;
  tool_input: string | null;
}

/** A session's row holds no last_seq: that is its newest event's. */
export function sessionRow(s: Session): SessionRow {
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
    agent_session_id: s.agent_session_id ?? null,
    input_tokens: s.usage.input_tokens,
    output_tokens: s.usage.output_tokens,
    cost_usd: s.usage.cost_usd,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

/** The session as loaded: last_seq and updated_at are taken from its newest event. */
export function sessionOf(r: SessionRow, newest: EventRow | undefined): Session {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    agent: AgentMetadata.parse(JSON.parse(r.agent)),
    directory: r.directory,
    platform: r.platform,
    state: SessionState.parse(r.state),
    error: r.error,
    last_seq: newest?.seq ?? 0,
    agent_cursor: r.agent_cursor,
    agent_session_id: r.agent_session_id,
    usage: { input_tokens: r.input_tokens, output_tokens: r.output_tokens, cost_usd: r.cost_usd },
    created_at: r.created_at,
    updated_at: newest && newest.ts > r.updated_at ? newest.ts : r.updated_at,
  };
}

export function eventRow(e: StoredEvent): EventRow {
  const data = dataJsonOf(e);
  return { seq: e.seq, ts: e.ts, type: e.type, data, chars: characters(data) };
}

export function eventOf(sessionId: string, r: EventRow): StoredEvent {
  const fields = { session_id: sessionId, seq: r.seq, ts: r.ts, type: r.type };
  return storedEvent(fields, r.data);
}

export function queuedRow(m: QueuedMessage): QueuedRow {
  return { seq: m.seq, type: m.type, data: JSON.stringify(m.data) };
}

/** A queued message read back: written from AgentMessage, so its type says its data's shape. */
export function queuedOf(sessionId: string, r: QueuedRow): QueuedMessage {
  return {
    session_id: sessionId,
    seq: r.seq,
    type: r.type,
    data: JSON.parse(r.data),
  } as QueuedMessage;
}

export function approvalRow(a: Approval): ApprovalRow {
  return {
    id: a.id,
    session_id: a.session_id,
    seq: a.seq,
    title: a.title,
    description: a.description,
    options: JSON.stringify(a.options),
    tool_name: a.tool_name,
    tool_input: a.tool_input == null ? null : JSON.stringify(a.tool_input),
    status: a.status,
    decision: a.decision,
    decided_by: a.decided_by,
    created_at: a.created_at,
    resolved_at: a.resolved_at,
  };
}

export function approvalOf(r: ApprovalRow): Approval {
  return {
    ...r,
    options: JSON.parse(r.options) as string[],
    tool_input: r.tool_input == null ? null : (JSON.parse(r.tool_input) as unknown),
  };
}

/** A rule's fields only; every one is a string, so this is a copy. */
export function copyRule(r: Rule): Rule {
  return {
    id: r.id,
    session_id: r.session_id,
    tool: r.tool,
    decision: r.decision,
    created_at: r.created_at,
    created_by: r.created_by,
    source_approval_id: r.source_approval_id,
  };
}

export function copyCursor(c: Cursor): Cursor {
  return { consumer: c.consumer, session_id: c.session_id, seq: c.seq };
}

export function copySubscription(s: PushSubscriptionRecord): PushSubscriptionRecord {
  return {
    endpoint: s.endpoint,
    p256dh: s.p256dh,
    auth: s.auth,
    label: s.label,
    user_agent: s.user_agent,
    created_at: s.created_at,
  };
}

/** Characters as SQL counts them: a character outside the BMP (an emoji) is one, not the two
 * UTF-16 units JavaScript's length counts. */
function characters(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}
