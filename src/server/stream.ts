// Replay-then-follow, shared by SSE and both WebSockets: subscribe first (buffering), page
// through what is on disk after the client's cursor, then hand over to the live feed. Events
// seen both ways are sent once, in seq order.
import type { Bus } from "../bus/bus.js";
import type { StoredEvent } from "../core/store.js";

/**
 * A replay reads this much from the disk at a time, and sends the next page only once the
 * transport has taken the last: memory holds about one page per replaying client, whatever the
 * size of the session (600 outputs of 1 MB each are 600 MB on disk, not in memory).
 */
export const REPLAY_PAGE = { limit: 2000, maxChars: 1024 * 1024 } as const;

/** One message of a stream, already serialized, with the seq a client resumes from. */
export interface Frame {
  seq: number;
  text: string;
}

export interface StreamSink {
  /** Sends a page of replayed frames; resolves when the transport can take more. */
  sendPage(frames: Frame[]): Promise<void>;
  /** Sends one live frame; false when the transport's buffer is full. */
  sendLive(frame: Frame): boolean;
  /** The client fell behind: tell it where to resume, then close. */
  cutOff(resumeAfter: number): void;
  readonly closed: boolean;
}

export interface FollowOptions {
  sessionId: string;
  afterSeq: number;
  types?: ReadonlySet<string>;
  readPage: (afterSeq: number) => Promise<Frame[]>;
  /** The frame for a live event, or undefined for one this stream does not carry. */
  toFrame: (event: StoredEvent) => Frame | undefined;
}

/** Live events held while a replay runs; a client further behind than this starts over. */
const MAX_HELD = 50_000;

export async function replayThenFollow(
  bus: Bus,
  options: FollowOptions,
  sink: StreamSink,
): Promise<() => void> {
  let lastSent = options.afterSeq;
  let held: StoredEvent[] | null = [];
  const unsubscribe = bus.subscribe({
    name: `replay:${options.sessionId}`,
    sessionId: options.sessionId,
    ...(options.types ? { types: options.types } : {}),
    deliver(event) {
      if (held) {
        held.push(event);
        return held.length < MAX_HELD;
      }
      if (event.seq <= lastSent) return true;
      const frame = options.toFrame(event);
      if (frame && !sink.sendLive(frame)) return false;
      lastSent = event.seq;
      return true;
    },
    cutOff: () => sink.cutOff(lastSent),
  });
  try {
    for (;;) {
      const page = await options.readPage(lastSent);
      if (page.length === 0 || sink.closed) break;
      await sink.sendPage(page);
      lastSent = page[page.length - 1]!.seq;
    }
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const pending = held.filter((e) => e.seq > lastSent);
  held = null;
  for (const event of pending) {
    const frame = options.toFrame(event);
    if (frame && !sink.sendLive(frame)) {
      unsubscribe();
      sink.cutOff(lastSent);
      break;
    }
    lastSent = event.seq;
  }
  return unsubscribe;
}
