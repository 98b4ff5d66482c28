// The agent's last message in each session the inbox shows waiting for input: read from the tail
// of the session's history (a bounded page), once per new event, so the card says what the agent
// asked without opening the session.
import { reactive } from "vue";
import { api } from "../api/http.js";
import type { TetherEvent } from "../api/types.js";
import { lastAgentText } from "../session/timeline.js";

/** How far back a card looks for the agent's last words. */
const TAIL = 50;
/** A card shows the start of a long message; the session shows all of it. */
const SHOWN_CHARS = 600;

interface Entry {
  /** The session's last seq when this was read. */
  seq: number;
  text: string | null;
}

const entries = reactive(new Map<string, Entry>());
const asking = new Set<string>();

/** The agent's last message, as last read (null: none in the tail; undefined: not read yet). */
export function lastMessage(sessionId: string): string | null | undefined {
  return entries.get(sessionId)?.text;
}

/** Reads the session's last message as of `lastSeq`, unless it was read at that seq already. */
export async function readLastMessage(sessionId: string, lastSeq: number): Promise<void> {
  const key = `${sessionId}@${lastSeq}`;
  if ((entries.get(sessionId)?.seq ?? -1) >= lastSeq || asking.has(key)) return;
  asking.add(key);
  try {
    const since = Math.max(0, lastSeq - TAIL);
    const page = await api<{ events: TetherEvent[] }>(
      "GET",
      `/api/sessions/${encodeURIComponent(sessionId)}/events?since_seq=${since}&limit=${TAIL}`,
    );
    const text = lastAgentText(page.events);
    const known = entries.get(sessionId);
    if (known && known.seq > lastSeq) return;
    entries.set(sessionId, {
      seq: lastSeq,
      text: text === undefined ? null : clip(text),
    });
  } catch {
    // Deleted meanwhile, or the daemon is away: the card shows no message.
  } finally {
    asking.delete(key);
  }
}

function clip(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS).trimEnd()}…` : text;
}
