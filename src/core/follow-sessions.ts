// Every session's events for a consumer that must not miss any across restarts (a chat bridge,
// a terminal-hook relay): each session's events after the consumer's durable cursor, then live,
// including sessions created later. The cursor moves past an event once the consumer's deliver
// has resolved for it, so a consumer closed and started again, even in a new process, resumes
// exactly after what it delivered. A bridge needs little more than:
//
//   const follow = await followSessions({
//     engine, bus, consumer: "telegram",
//     deliver: (event) => sendToTopicOf(event.session_id, event),
//     onError: (f) => log.warn({ err: f.error, session: f.session_id, during: f.during }, "retrying"),
//   });
//   …
//   await follow.close(); // before the store closes
//
// Each session is a lane of its own on replayThenFollow: its deliveries run one at a time, in seq
// order, and each event is delivered once per follow. Sessions never wait for each other, so a
// chat whose platform refuses one thread keeps serving the others.
//
// Backpressure: a lane holds at most `hold` live events (count and JSON size) while its
// deliveries are behind, whether it is still replaying or already live. One more and the lane is
// cut off: it stops taking live events, delivers what it holds, then replays from the disk
// after what it delivered and follows again. Memory per session is bounded by one replay page
// plus the hold, however slow the consumer and however busy the session; the disk holds the rest.
//
// Failure: a deliver that throws or rejects is reported to onError with its event; the lane
// drops what it holds and, after a pause (doubling up to a limit, reset by a success), replays
// from its cursor, starting with that same event. Nothing is skipped: a consumer that can never
// deliver an event keeps its session stuck there, and says so in its log. A deleted session's
// lane ends at once when it is found gone (before a delivery, on a read, or when any new
// session appears), and its cursor is deleted with it.
//
// Across a crash (no close) delivery is at least once: the last events delivered before it may
// come again if their cursor had not reached the disk. close() makes it exactly once: it waits
// for the deliveries in flight and puts every cursor on disk.
import type { Bus } from "../bus/bus.js";
import { Wakeable } from "../shared/wakeable.js";
import type { Engine } from "./engine.js";
import { type HoldLimit, replayThenFollow, type StreamSink } from "./follow.js";
import type { StoredEvent } from "./store.js";

/** What the follower needs of the engine. */
export type FollowEngine = Pick<
  Engine,
  "listSessions" | "getSessionById" | "readEvents" | "readCursors" | "advanceCursor"
>;

export interface FollowSessionsOptions {
  engine: FollowEngine;
  bus: Bus;
  /** Whose cursors these are (`telegram`, `hook-relay`, …). One follow per consumer at a time. */
  consumer: string;
  /** Hands one event over. Resolve once it is delivered: the cursor moves past it then. A
   * consumer that delivered later events of the session along with it (read ahead, sent as one
   * message) says the seq of the last of them with `alsoThrough`: the cursor moves past those
   * too, and they are not handed over again. Throw or reject to have it retried (from the
   * cursor, after a pause). */
  deliver: (event: StoredEvent, alsoThrough: (seq: number) => void) => Promise<void> | void;
  /** Something failed and will be retried; worth a line in the log. */
  onError: (failure: FollowFailure) => void;
  /** Only events of these types are delivered; the cursor passes over the others. */
  types?: Iterable<string>;
  /**
   * Where a session that has no cursor when the follow starts begins: `start` (the default)
   * delivers all of it; `now` only what comes after its last event, and records that as its
   * cursor so a restart does not deliver the gap. Sessions created while the follow runs are
   * always delivered from their first event. Sessions created while no follow of this consumer
   * ran have no cursor either: `now` skips their past too, so a consumer that must see every
   * session from its first event uses `start`.
   */
  from?: "start" | "now";
  /** Live events one session may hold while its deliveries are behind (default 1000 events or
   * 1 MiB of JSON, whichever comes first). */
  hold?: Partial<HoldLimit>;
  /** The pause before a failed session is tried again: firstMs, doubling up to maxMs (defaults
   * 1 s and 30 s). */
  retry?: { firstMs?: number; maxMs?: number };
}

export interface FollowFailure {
  error: unknown;
  session_id: string;
  /** `deliver` threw or rejected for `event`; `replay`: reading the disk failed; `cursor`:
   * writing the cursor failed (tried again with the next delivery, and at close). */
  during: "deliver" | "replay" | "cursor";
  event?: StoredEvent;
  /** How long until the session is tried again; 0 for a cursor write. */
  retryInMs: number;
}

export interface FollowStats {
  /** Sessions being followed. */
  sessions: number;
  /** Live events waiting in the sessions' queues for their delivery. (Those a replay holds
   * meanwhile are bounded by the same hold, but not counted here.) */
  held: number;
  /** Times a session held too much and was cut off to replay from its cursor. */
  cutOffs: number;
  /** Events committed and not yet delivered (or passed over by the type filter), over every
   * session: what a consumer that is down owes. */
  behind: number;
}

export interface SessionsFollow {
  /** Stops: no delivery starts after it is called. Resolves once the deliveries in flight have
   * settled and every session's cursor is on disk. */
  close(): Promise<void>;
  stats(): FollowStats;
}

/** A session without a cursor on disk. Its lane writes where it starts at once (0 for a new
 * session), so that a restart, even after a crash before the first delivery, resumes there
 * instead of taking the session for one made while no follow ran. */
const NO_CURSOR = -1;

const DEFAULT_HOLD: HoldLimit = { events: 1000, chars: 1024 * 1024 };
const DEFAULT_RETRY = { firstMs: 1000, maxMs: 30_000 };
/** A lane reads this much of its session at a time. Smaller than a socket's page: deliveries to
 * a chat platform are slow, and every session of a follow may be replaying at once. */
const PAGE = { limit: 500, maxChars: 256 * 1024 } as const;

/**
 * Starts following every session for `options.consumer`; resolves once its cursors are read and
 * every existing session is being replayed. Rejects (and follows nothing) when the cursors
 * cannot be read.
 */
export async function followSessions(options: FollowSessionsOptions): Promise<SessionsFollow> {
  const cursors = await options.engine.readCursors(options.consumer);
  return new SessionsFollower(options, new Map(cursors.map((c) => [c.session_id, c.seq])));
}

/** What a lane needs of its follower. */
interface LaneContext {
  readonly options: FollowSessionsOptions;
  readonly types: ReadonlySet<string> | undefined;
  readonly hold: HoldLimit;
  readonly retry: { firstMs: number; maxMs: number };
  exists(sessionId: string): boolean;
  /** The session's newest seq (0 when it is gone). */
  lastSeqOf(sessionId: string): number;
  report(failure: FollowFailure): void;
  cutOff(): void;
  /** The lane's session is gone: forget the lane. */
  ended(lane: Lane): void;
}

class SessionsFollower implements SessionsFollow, LaneContext {
  readonly types: ReadonlySet<string> | undefined;
  readonly hold: HoldLimit;
  readonly retry: { firstMs: number; maxMs: number };
  private readonly lanes = new Map<string, Lane>();
  private readonly stopDiscovery: () => void;
  private closing: Promise<void> | null = null;
  private cutOffs = 0;

  constructor(
    readonly options: FollowSessionsOptions,
    cursors: ReadonlyMap<string, number>,
  ) {
    this.types = options.types === undefined ? undefined : new Set(options.types);
    this.hold = { ...DEFAULT_HOLD, ...options.hold };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    // Subscribed before the sessions are listed, with nothing awaited in between: a session
    // created from here on is not in the list, and shows up by its events.
    this.stopDiscovery = options.bus.subscribe({
      name: `follow:${options.consumer}`,
      ...(this.types ? { types: this.types } : {}),
      deliver: (event) => {
        if (!this.lanes.has(event.session_id)) this.discovered(event.session_id);
        return true;
      },
      cutOff: () => {
        // Never refuses an event, so never cut off.
      },
    });
    for (const session of options.engine.listSessions()) {
      const cursor = cursors.get(session.id);
      const start = cursor ?? (options.from === "now" ? session.last_seq : 0);
      this.lanes.set(session.id, new Lane(this, session.id, start, cursor ?? NO_CURSOR));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  stats(): FollowStats {
    let held = 0;
    let behind = 0;
    for (const lane of this.lanes.values()) {
      held += lane.held;
      behind += Math.max(0, this.lastSeqOf(lane.sessionId) - lane.delivered);
    }
    return { sessions: this.lanes.size, held, cutOffs: this.cutOffs, behind };
  }

  exists(sessionId: string): boolean {
    try {
      this.options.engine.getSessionById(sessionId);
      return true;
    } catch {
      return false;
    }
  }

  lastSeqOf(sessionId: string): number {
    try {
      return this.options.engine.getSessionById(sessionId).last_seq;
    } catch {
      return 0;
    }
  }

  report(failure: FollowFailure): void {
    try {
      this.options.onError(failure);
    } catch {
      // A logger that throws must not stop the deliveries it reports on.
    }
  }

  cutOff(): void {
    this.cutOffs++;
  }

  ended(lane: Lane): void {
    if (this.lanes.get(lane.sessionId) === lane) this.lanes.delete(lane.sessionId);
  }

  /** The first event of a session that was not listed at the start: it is new, so it has no
   * cursor and is delivered from its first event. */
  private discovered(sessionId: string): void {
    // The events of a session deleted in the same commit are published after it is gone.
    if (this.closing || !this.exists(sessionId)) return;
    // An idle lane of a deleted session would wait for an event that never comes: sessions
    // appearing is when the gone ones are looked for.
    for (const lane of this.lanes.values()) {
      if (!this.exists(lane.sessionId)) lane.end();
    }
    this.lanes.set(sessionId, new Lane(this, sessionId, 0, NO_CURSOR));
  }

  private async shutDown(): Promise<void> {
    this.stopDiscovery();
    const lanes = [...this.lanes.values()];
    for (const lane of lanes) lane.stop();
    await Promise.all(lanes.map((lane) => lane.finish()));
  }
}

/** A deliver that threw, with the event it was given. */
class DeliveryFailed {
  constructor(
    readonly cause: unknown,
    readonly event: StoredEvent,
  ) {}
}

/** One session of a follow: replays after its position, then takes live events into a bounded
 * queue that its loop delivers one at a time. It is the sink of its replayThenFollow. */
class Lane implements StreamSink<StoredEvent> {
  /** Every event up to here is delivered, or passed over by the type filter. */
  private position: number;
  /** The cursor on disk, or on its way there. */
  private written: number;
  private saving: Promise<void> | null = null;
  /** Live events waiting for their delivery, from `head` on. */
  private queue: (StoredEvent | undefined)[] = [];
  private head = 0;
  private queuedChars = 0;
  /** Held too much: takes no more live events until it has replayed. */
  private cut = false;
  private stopped = false;
  private failures = 0;
  /** Ends a retry's pause, or an empty queue's wait. */
  private readonly waker = new Wakeable();
  private unsubscribe: () => void = () => {};
  private readonly done: Promise<void>;

  constructor(
    private readonly ctx: LaneContext,
    readonly sessionId: string,
    start: number,
    cursor: number,
  ) {
    this.position = start;
    this.written = cursor;
    // A start without a cursor (`now`, or a new session) is recorded at once, so that a restart
    // does not move it.
    this.saveCursor();
    this.done = this.run();
  }

  get held(): number {
    return this.queue.length - this.head;
  }

  /** Every event up to this seq is delivered (or passed over). */
  get delivered(): number {
    return this.position;
  }

  // ---------- the sink of replayThenFollow ----------

  get closed(): boolean {
    return this.stopped || this.cut;
  }

  async sendPage(events: StoredEvent[]): Promise<void> {
    for (const event of events) {
      if (this.stopped) return;
      await this.deliverOne(event);
    }
    // Covers the events of the page that the type filter passed over.
    this.saveCursor();
  }

  sendLive(event: StoredEvent): boolean {
    if (this.stopped) return true;
    const waiting = this.queue.length - this.head;
    const chars = this.queuedChars + event.json.length;
    // One event always fits, however large: the lane must be able to move.
    if (waiting > 0 && (waiting >= this.ctx.hold.events || chars > this.ctx.hold.chars)) {
      return false;
    }
    this.queue.push(event);
    this.queuedChars = chars;
    this.poke();
    return true;
  }

  cutOff(): void {
    this.cut = true;
    this.ctx.cutOff();
    this.poke();
  }

  // ---------- its life ----------

  /** No delivery starts after this. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.poke();
  }

  /** Its session is gone: stops, and leaves the follow. */
  end(): void {
    this.stop();
    this.ctx.ended(this);
  }

  /** Resolves once the delivery in flight has settled and the cursor is on disk. */
  async finish(): Promise<void> {
    await this.done;
    this.saveCursor();
    await this.saving;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.failures > 0) await this.waker.wait(this.retryDelay());
      if (this.stopped) break;
      this.cut = false;
      this.dropQueue();
      try {
        this.unsubscribe = await replayThenFollow(
          this.ctx.options.bus,
          {
            sessionId: this.sessionId,
            afterSeq: this.position,
            ...(this.ctx.types ? { types: this.ctx.types } : {}),
            hold: this.ctx.hold,
            readPage: async (after) =>
              (
                await this.ctx.options.engine.readEvents(
                  this.sessionId,
                  after,
                  PAGE.limit,
                  PAGE.maxChars,
                )
              ).events,
            toFrame: (event) => event,
          },
          this,
        );
        await this.deliverLive();
      } catch (error) {
        this.unsubscribe();
        if (this.stopped) break;
        if (!this.ctx.exists(this.sessionId)) {
          this.end();
          break;
        }
        this.failures++;
        const retryInMs = this.retryDelay();
        const session_id = this.sessionId;
        this.ctx.report(
          error instanceof DeliveryFailed
            ? { error: error.cause, session_id, during: "deliver", event: error.event, retryInMs }
            : { error, session_id, during: "replay", retryInMs },
        );
      }
    }
    this.unsubscribe();
  }

  /** Delivers the queue as it fills; returns once it is empty after a cut-off, or stopped. */
  private async deliverLive(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const event = this.next();
      if (event) {
        await this.deliverOne(event);
        continue;
      }
      if (this.cut) return;
      await this.waker.wait();
    }
  }

  private async deliverOne(event: StoredEvent): Promise<void> {
    if (event.seq <= this.position) return;
    if (this.ctx.types && !this.ctx.types.has(event.type)) {
      this.position = event.seq;
      return;
    }
    if (!this.ctx.exists(this.sessionId)) {
      this.end();
      return;
    }
    let through = event.seq;
    try {
      await this.ctx.options.deliver(event, (seq) => {
        through = Math.max(through, seq);
      });
    } catch (error) {
      throw new DeliveryFailed(error, event);
    }
    // Never past what the session has: a cursor beyond it would skip events yet to come.
    this.position = Math.max(event.seq, Math.min(through, this.ctx.lastSeqOf(this.sessionId)));
    this.failures = 0;
    this.saveCursor();
  }

  private next(): StoredEvent | undefined {
    if (this.head === this.queue.length) {
      this.dropQueue();
      return undefined;
    }
    const event = this.queue[this.head]!;
    // Let go of it at once, rather than when the queue next empties.
    this.queue[this.head++] = undefined;
    this.queuedChars -= event.json.length;
    // A queue that never quite empties is compacted now and then, not grown forever.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  private dropQueue(): void {
    this.queue.length = 0;
    this.head = 0;
    this.queuedChars = 0;
  }

  /** Writes the position as the cursor: one write at a time, the latest position each time. */
  private saveCursor(): void {
    if (this.saving || this.position <= this.written) return;
    this.saving = this.writeCursor();
  }

  private async writeCursor(): Promise<void> {
    const { engine, consumer } = this.ctx.options;
    try {
      while (this.position > this.written) {
        const seq = this.position;
        await engine.advanceCursor(consumer, this.sessionId, seq);
        this.written = seq;
      }
    } catch (error) {
      // A deleted session's cursor went with it; nothing to report.
      if (this.ctx.exists(this.sessionId)) {
        this.ctx.report({ error, session_id: this.sessionId, during: "cursor", retryInMs: 0 });
      }
    } finally {
      this.saving = null;
    }
  }

  private retryDelay(): number {
    const { firstMs, maxMs } = this.ctx.retry;
    return Math.min(firstMs * 2 ** (this.failures - 1), maxMs);
  }

  private poke(): void {
    this.waker.poke();
  }
}
