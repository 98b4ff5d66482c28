// Replay-then-follow of one session, the primitive under every stream (SSE, both WebSockets,
// and each session of a multi-session follower): subscribe first (holding what arrives), page
// through what is on disk after the cursor, then hand over to the live feed. Events seen both
// ways are sent once, in seq order. What a frame is (serialized text for a socket, the event
// itself for a bridge) is the caller's business.
import type { Bus } from "../bus/bus.js";
import type { StoredEvent } from "./store.js";

/**
 * A replay reads this much from the disk at a time, and sends the next page only once the
 * transport has taken the last: memory holds about one page per replaying client, whatever the
 * size of the session (600 outputs of 1 MB each are 600 MB on disk, not in memory).
 */
export const REPLAY_PAGE = { limit: 2000, maxChars: 1024 * 1024 } as const;

/** Anything a stream carries: it has the seq a client resumes after. */
export interface Sequenced {
  readonly seq: number;
}

/** One message of a socket's stream, already serialized. */
export interface Frame extends Sequenced {
  text: string;
}

export interface StreamSink<F extends Sequenced = Frame> {
  /** Sends a page of replayed frames; resolves when the transport can take more. */
  sendPage(frames: F[]): Promise<void>;
  /** Sends one live frame; false when the transport's buffer is full. */
  sendLive(frame: F): boolean;
  /** The client fell behind: tell it where to resume, then close. Nothing is sent after it. */
  cutOff(resumeAfter: number): void;
  readonly closed: boolean;
}

/** How much live traffic a replay may hold before the client is cut off instead. */
export interface HoldLimit {
  events: number;
  /** Of the held events' JSON. */
  chars: number;
}

export interface FollowOptions<F extends Sequenced> {
  sessionId: string;
  afterSeq: number;
  /** Only live events of these types reach toFrame; replayed pages are readPage's to filter. */
  types?: ReadonlySet<string>;
  hold?: HoldLimit;
  readPage: (afterSeq: number) => Promise<F[]>;
  /** The frame for a live event, or undefined for one this stream does not carry. */
  toFrame: (event: StoredEvent) => F | undefined;
}

/** Live events held while a replay runs; a client further behind than this starts over. */
const SOCKET_HOLD: HoldLimit = { events: 50_000, chars: Number.POSITIVE_INFINITY };

/**
 * Resolves once the replay is over and `sink` follows the live feed, with the function that
 * stops it. A client cut off (held too much during the replay, or its buffer was full) gets
 * `sink.cutOff(lastSent)` once and nothing after; it resumes from there. Rejects, unsubscribed,
 * when a page cannot be read or sent.
 */
export async function replayThenFollow<F extends Sequenced>(
  bus: Bus,
  options: FollowOptions<F>,
  sink: StreamSink<F>,
): Promise<() => void> {
  const hold = options.hold ?? SOCKET_HOLD;
  let lastSent = options.afterSeq;
  let held: StoredEvent[] | null = [];
  let heldChars = 0;
  let cut = false;
  const cutOff = () => {
    if (cut) return;
    cut = true;
    sink.cutOff(lastSent);
  };
  const unsubscribe = bus.subscribe({
    name: `replay:${options.sessionId}`,
    sessionId: options.sessionId,
    ...(options.types ? { types: options.types } : {}),
    deliver(event) {
      if (held) {
        held.push(event);
        heldChars += event.json.length;
        return held.length < hold.events && heldChars <= hold.chars;
      }
      if (event.seq <= lastSent) return true;
      const frame = options.toFrame(event);
      if (frame && !sink.sendLive(frame)) return false;
      lastSent = event.seq;
      return true;
    },
    cutOff,
  });
  try {
    for (;;) {
      const page = await options.readPage(lastSent);
      if (page.length === 0 || sink.closed || cut) break;
      await sink.sendPage(page);
      lastSent = page[page.length - 1]!.seq;
    }
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const pending = cut ? [] : held.filter((e) => e.seq > lastSent);
  held = null;
  for (const event of pending) {
    const frame = options.toFrame(event);
    if (frame && !sink.sendLive(frame)) {
      unsubscribe();
      cutOff();
      break;
    }
    lastSent = event.seq;
  }
  return unsubscribe;
}
