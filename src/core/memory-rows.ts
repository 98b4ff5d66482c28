// The rows the in-memory store keeps, and how a domain object becomes one and comes back: the
// same columns SqlStore writes (db/repos/*), with JSON columns kept as text. Text rather than
// objects makes every write and every read a copy, so a caller that changes an object after
// handing it over (or after getting it back) changes nothing stored; and what comes back is what
// SQL gives back (a value JSON cannot hold dropped, an agent's metadata parsed with its defaults).
import type { Rule } from "./rules.js";

export {
  type ApprovalRow,
  approvalOf,
  approvalRow,
  type SessionRow,
  sessionOf,
  sessionRow,
} from "./rows.js";

import {
  type BridgeUserRecord,
  type Cursor,
  dataJsonOf,
  type PushSubscriptionRecord,
  type QueuedMessage,
  type StoredEvent,
  storedEvent,
} from "./store.js";

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

export function copyBridgeUser(u: BridgeUserRecord): BridgeUserRecord {
  return { platform: u.platform, user_id: u.user_id, name: u.name, paired_at: u.paired_at };
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
