// Output is batched without ever holding an event back: a bridge delivering an output reads
// ahead the outputs already committed after it and sends them in the same message, then tells
// its cursor it delivered them all (followSessions' alsoThrough), so a slow or rate-limited
// platform makes the next batch bigger, not later.
import type { StoredEvent, StoredEventOf } from "../core/store.js";
import type { BridgeEngine } from "./types.js";

/** Outputs read ahead for one batch: enough short ones to fill any platform's message, bounded
 * in stored JSON (an output's JSON holds its metadata too). */
const READ_AHEAD = { events: 1000, chars: 64 * 1024 };

/** The outputs committed right after `event`, up to the first event of another type. */
export async function outputsAfter(
  engine: Pick<BridgeEngine, "readEvents">,
  event: StoredEvent,
): Promise<StoredEventOf<"output">[]> {
  const page = await engine.readEvents(
    event.session_id,
    event.seq,
    READ_AHEAD.events,
    READ_AHEAD.chars,
  );
  const out: StoredEventOf<"output">[] = [];
  for (const next of page.events) {
    if (next.type !== "output") break;
    out.push(next);
  }
  return out;
}
