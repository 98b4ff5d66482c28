// The multi-session follower on a real engine, SQLite store and bus: each session replayed
// after the consumer's cursor, then live, new sessions included; exactly once across a close
// and a restart of the whole process's parts; a slow consumer bounded and resumed from the
// disk; a failing delivery retried from the cursor; deleted sessions dropped with their cursors.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import {
  type FollowEngine,
  type FollowFailure,
  type FollowSessionsOptions,
  followSessions,
  type SessionsFollow,
} from "../../dist/core/follow-sessions.js";
import type { StoredEvent } from "../../dist/core/store.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

let dir: ReturnType<typeof tempDir>;
let sqlite: OpenedSqlite;
let store: SqlStore;
let bus: LocalBus;
let engine: Engine;
let follows: SessionsFollow[];
let gates: { resolve: () => void }[];

/** Opens (or, after stop(), reopens) the database, a fresh bus and an engine: a process start. */
async function start(): Promise<void> {
  sqlite = openSqlite(dir.path);
  store = new SqlStore(sqlite.db, sqlite.close);
  await store.migrate();
  bus = new LocalBus();
  engine = new Engine({ store, bus });
  await engine.init();
}

/** What a process exit leaves behind: only the disk. */
async function stop(): Promise<void> {
  await engine.drain();
  await store.close();
}

beforeEach(async () => {
  dir = tempDir("tether-follow-");
  follows = [];
  gates = [];
  await start();
});

afterEach(async () => {
  // A test that failed while a delivery waits would otherwise keep close() waiting.
  for (const g of gates) g.resolve();
  await Promise.all(follows.map((f) => f.close()));
  await stop();
  dir.remove();
});

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A consumer that records what it is given, per session. */
function recorder() {
  const events: StoredEvent[] = [];
  return {
    events,
    deliver: (event: StoredEvent) => {
      events.push(event);
    },
    seqs: (sessionId: string) => events.filter((e) => e.session_id === sessionId).map((e) => e.seq),
  };
}

const failures: FollowFailure[] = [];
async function follow(
  options: Partial<FollowSessionsOptions> & Pick<FollowSessionsOptions, "deliver">,
): Promise<SessionsFollow> {
  const f = await followSessions({
    engine,
    bus,
    consumer: "bridge",
    onError: (failure) => failures.push(failure),
    ...options,
  });
  follows.push(f);
  return f;
}

beforeEach(() => {
  failures.length = 0;
});

async function sessionWith(outputs: number, name = "s") {
  const s = await engine.createSession({ kind: "external", name });
  await engine.setState(s.id, "running");
  await say(s.id, outputs);
  return s.id;
}

/** Appends `n` outputs to a session, all in one commit. */
async function say(sessionId: string, n: number, text = "line"): Promise<void> {
  await Promise.all(
    range(1, n).map((i) => engine.appendOutput(sessionId, { text: `${text} ${i}`, metadata: {} })),
  );
}

const lastSeq = (id: string) => engine.getSession(id).last_seq;

/** Waits until `seqs(id)` reaches the session's last event, for every id. */
function deliveredAll(seqs: (id: string) => number[], ids: string[]) {
  return waitFor(() => ids.every((id) => seqs(id).at(-1) === lastSeq(id)), {
    what: () => `every event of ${ids.map((id) => `${id}: ${seqs(id).at(-1)}/${lastSeq(id)}`)}`,
  });
}

/** A promise the test resolves; released after the test whatever happens. */
function gate() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  const g = { promise, resolve };
  gates.push(g);
  return g;
}

describe("followSessions", () => {
  it("replays each session after its cursor, then follows all of them live, each event once", async () => {
    const a = await sessionWith(10, "a");
    const b = await sessionWith(10, "b");
    const c = await sessionWith(3, "c");
    await engine.advanceCursor("bridge", a, 5);
    await engine.advanceCursor("bridge", c, lastSeq(c));
    // Another consumer's cursors are its own.
    await engine.advanceCursor("relay", b, 12);

    const got = recorder();
    const started = follow({ deliver: got.deliver });
    // Live events while the follow is starting and replaying: each still comes exactly once.
    const during = Promise.all([say(a, 20, "during"), say(b, 5, "during")]);
    await started;
    await during;
    await deliveredAll(got.seqs, [a, b]);
    await Promise.all([say(a, 3, "live"), say(b, 3, "live"), say(c, 3, "live")]);
    await deliveredAll(got.seqs, [a, b, c]);

    expect(got.seqs(a)).toEqual(range(6, lastSeq(a)));
    expect(got.seqs(b)).toEqual(range(1, lastSeq(b)));
    expect(got.seqs(c)).toEqual(range(6, lastSeq(c)));
    expect(failures).toEqual([]);
    // The cursors followed the deliveries.
    await waitFor(async () => {
      const cursors = await store.readCursors("bridge");
      return [a, b, c].every((id) => cursors.find((x) => x.session_id === id)?.seq === lastSeq(id));
    });
  });

  it("follows sessions created after it started, from their first event", async () => {
    const got = recorder();
    const f = await follow({ deliver: got.deliver });
    const later = await sessionWith(4, "later");
    await say(later, 2);
    const another = await engine.createSession({ kind: "external", name: "another" });
    await deliveredAll(got.seqs, [later, another.id]);
    expect(got.seqs(later)).toEqual(range(1, lastSeq(later)));
    expect(got.seqs(another.id)).toEqual([1]);
    expect(got.events.find((e) => e.session_id === another.id)?.type).toBe("state");
    expect(f.stats().sessions).toBe(2);
  });

  it("resumes exactly after its cursor when it is stopped mid-stream and the process restarts", async () => {
    const ids = [await sessionWith(40, "a"), await sessionWith(40, "b"), await sessionWith(5, "c")];
    const first = recorder();
    let stopping: Promise<void> | undefined;
    const f = await follow({
      deliver: (event) => {
        first.deliver(event);
        // Stopped from inside a delivery, with replays and live events still under way.
        if (first.events.length === 30) stopping = f.close();
      },
    });
    const live = say(ids[0]!, 10, "live");
    // (Not the promise itself: waitFor would wait for it, and take its undefined for "not yet".)
    await waitFor(() => stopping !== undefined, { what: "30 deliveries" });
    await stopping;
    await live;
    const stoppedAt = first.events.length;
    expect(stoppedAt).toBeGreaterThanOrEqual(30);
    // Nothing more after close resolves.
    await say(ids[1]!, 5, "after the close");
    expect(first.events.length).toBe(stoppedAt);

    // The process ends; what was delivered is on disk as cursors. Events come while it is down.
    await stop();
    await start();
    await say(ids[2]!, 5, "while down");
    const fresh = await sessionWith(3, "while down");

    const second = recorder();
    await follow({ deliver: second.deliver });
    await say(ids[0]!, 5, "after the restart");
    const all = [...ids, fresh];
    await deliveredAll((id) => [...first.seqs(id), ...second.seqs(id)].sort((x, y) => x - y), all);
    for (const id of all) {
      // No gap, no duplicate: the second run starts exactly where the first stopped.
      expect([...first.seqs(id), ...second.seqs(id)]).toEqual(range(1, lastSeq(id)));
    }
    expect(first.events.length + second.events.length).toBe(
      all.reduce((n, id) => n + lastSeq(id), 0),
    );
  });

  it("holds a bounded number of live events for a slow consumer, and resumes from the disk", async () => {
    const slow = await sessionWith(0, "slow");
    const other = await sessionWith(0, "other");
    const blocker = gate();
    let open = false;
    const got = recorder();
    const reads: string[] = [];
    const counting: FollowEngine = {
      listSessions: (filter) => engine.listSessions(filter),
      getSessionById: (id) => engine.getSessionById(id),
      readCursors: (consumer) => engine.readCursors(consumer),
      advanceCursor: (consumer, id, seq) => engine.advanceCursor(consumer, id, seq),
      readEvents: (id, after, limit, maxChars) => {
        reads.push(id);
        return engine.readEvents(id, after, limit, maxChars);
      },
    };
    const f = await follow({
      engine: counting,
      hold: { events: 8 },
      deliver: async (event) => {
        got.deliver(event);
        // Its replay (created, running) goes through; its live events wait.
        if (event.session_id === slow && event.seq > 2 && !open) await blocker.promise;
      },
    });
    await waitFor(() => got.seqs(slow).length === 2, { what: "the slow session's replay" });

    let peak = 0;
    for (let i = 0; i < 30; i++) {
      await say(slow, 20, `burst ${i}`);
      await say(other, 1, `beside ${i}`);
      peak = Math.max(peak, f.stats().held);
    }
    // The slow session waits on its first live delivery; the other session is not held up.
    await deliveredAll(got.seqs, [other]);
    expect(got.seqs(slow)).toEqual([1, 2, 3]);
    expect(peak).toBeLessThanOrEqual(8);
    expect(f.stats().cutOffs).toBeGreaterThanOrEqual(1);

    const readsBefore = reads.filter((id) => id === slow).length;
    open = true;
    blocker.resolve();
    await deliveredAll(got.seqs, [slow]);
    expect(got.seqs(slow)).toEqual(range(1, lastSeq(slow)));
    expect(got.seqs(other)).toEqual(range(1, lastSeq(other)));
    // What it was not holding came back from the disk.
    expect(reads.filter((id) => id === slow).length).toBeGreaterThan(readsBefore);
    expect(failures).toEqual([]);
  });

  it("cuts off a session that holds too much while it replays, and replays it again", async () => {
    const a = await sessionWith(20, "a");
    const blocker = gate();
    const got = recorder();
    const f = await follow({
      hold: { events: 4 },
      deliver: async (event) => {
        got.deliver(event);
        if (event.seq === 5) await blocker.promise;
      },
    });
    await waitFor(() => got.seqs(a).length === 5, { what: "the replay to reach seq 5" });
    for (let i = 0; i < 3; i++) await say(a, 10, `during the replay ${i}`);
    expect(f.stats().cutOffs).toBe(1);
    expect(f.stats().held).toBe(0);
    blocker.resolve();
    await deliveredAll(got.seqs, [a]);
    await say(a, 3, "live again");
    await deliveredAll(got.seqs, [a]);
    expect(got.seqs(a)).toEqual(range(1, lastSeq(a)));
  });

  it("retries a delivery that throws or rejects from the cursor, skipping nothing", async () => {
    const a = await sessionWith(6, "a");
    let refusals = 0;
    const got = recorder();
    await follow({
      retry: { firstMs: 5, maxMs: 20 },
      deliver: (event) => {
        if (event.seq === 5 && refusals < 3) {
          refusals++;
          if (refusals === 2) return Promise.reject(new Error("platform down"));
          throw new Error("rate limited");
        }
        got.deliver(event);
        return undefined;
      },
    });
    await deliveredAll(got.seqs, [a]);
    await say(a, 2, "live");
    await deliveredAll(got.seqs, [a]);

    expect(got.seqs(a)).toEqual(range(1, lastSeq(a)));
    expect(failures.map((x) => [x.during, x.session_id, x.event?.seq, x.retryInMs])).toEqual([
      ["deliver", a, 5, 5],
      ["deliver", a, 5, 10],
      ["deliver", a, 5, 20],
    ]);
    expect(failures.map((x) => (x.error as Error).message)).toEqual([
      "rate limited",
      "platform down",
      "rate limited",
    ]);
  });

  it("keeps the cursor before a failing event until it is delivered, also across a restart", async () => {
    const a = await sessionWith(6, "a");
    const got = recorder();
    const f = await follow({
      retry: { firstMs: 5, maxMs: 5 },
      deliver: (event) => {
        if (event.seq === 5) throw new Error("never");
        got.deliver(event);
      },
    });
    await waitFor(() => failures.length >= 3);
    await f.close();
    expect(got.seqs(a)).toEqual([1, 2, 3, 4]);

    await stop();
    await start();
    expect(await engine.readCursors("bridge")).toEqual([
      { consumer: "bridge", session_id: a, seq: 4 },
    ]);
    const again = recorder();
    await follow({ deliver: again.deliver });
    await deliveredAll(again.seqs, [a]);
    expect(again.seqs(a)).toEqual(range(5, lastSeq(a)));
  });

  it("passes over events of other types, and its cursor with them", async () => {
    const a = await sessionWith(5, "a");
    await engine.reportStatus(a, "done");
    await say(a, 5, "after");
    const got = recorder();
    await follow({ deliver: got.deliver, types: ["state"] });
    await waitFor(async () => (await store.readCursors("bridge"))[0]?.seq === lastSeq(a));
    await engine.reportStatus(a, "thinking");
    await waitFor(() => got.events.length === 4);
    expect(got.events.map((e) => (e.type === "state" ? e.data.to : e.type))).toEqual([
      "created",
      "running",
      "awaiting_input",
      "running",
    ]);
  });

  it("starts sessions without a cursor at their end with from: now, and remembers that", async () => {
    const old = await sessionWith(5, "old");
    const got = recorder();
    const f = await follow({ deliver: got.deliver, from: "now" });
    await waitFor(async () => (await store.readCursors("bridge"))[0]?.seq === lastSeq(old));
    await f.close();
    // Events while no follow runs are delivered by the next one: the start was recorded.
    await say(old, 2, "while stopped");
    await follow({ deliver: got.deliver, from: "now" });
    const fresh = await sessionWith(1, "fresh");
    await deliveredAll(got.seqs, [old, fresh]);
    expect(got.seqs(old)).toEqual([8, 9]);
    expect(got.seqs(fresh)).toEqual(range(1, lastSeq(fresh)));
  });

  it("with from: now, delivers a session made while it ran from its start after a crash before any delivery", async () => {
    const stuck = gate();
    // Not in `follows`, and its failures not the test's: it is what a crashed process was.
    const crashed = await followSessions({
      engine,
      bus,
      consumer: "bridge",
      deliver: () => stuck.promise,
      onError: () => {},
      from: "now",
    });
    const fresh = await sessionWith(3, "made while the platform was down");
    // Its start is on disk before anything of it was delivered.
    await waitFor(async () =>
      (await store.readCursors("bridge")).some((c) => c.session_id === fresh && c.seq === 0),
    );
    // A crash: no close, the delivery never finished.
    await stop();
    await start();
    const got = recorder();
    await follow({ deliver: got.deliver, from: "now" });
    await deliveredAll(got.seqs, [fresh]);
    expect(got.seqs(fresh)).toEqual(range(1, lastSeq(fresh)));
    stuck.resolve();
    await crashed.close();
  });

  it("moves past events a delivery said it sent along, and resumes after them", async () => {
    const id = await sessionWith(10, "batched");
    const first = recorder();
    // Event 3 is sent with 4..8 (read ahead, one message): those are not handed over again.
    const f = await follow({
      deliver: (event, alsoThrough) => {
        first.deliver(event);
        if (event.seq === 3) alsoThrough(8);
      },
    });
    await waitFor(() => first.seqs(id).at(-1) === lastSeq(id), { what: "the whole session" });
    expect(first.seqs(id)).toEqual([1, 2, 3, 9, 10, 11, 12]);
    await f.close();
    await stop();
    await start();
    await say(id, 2, "after the restart");
    const second = recorder();
    // A claim past the session's end is held to it (13 claims 14, which it may have read ahead,
    // and no further): events yet to come are not skipped.
    await follow({
      deliver: (event, alsoThrough) => {
        second.deliver(event);
        alsoThrough(event.seq + 100);
      },
    });
    await waitFor(() => second.seqs(id).length === 1, {
      what: "the first event after the restart",
    });
    await say(id, 1, "later");
    await deliveredAll(second.seqs, [id]);
    expect(second.seqs(id)).toEqual([13, 15]);
  });

  it("stops delivering a deleted session, whose cursor goes with it", async () => {
    const gone = await sessionWith(3, "gone");
    const keep = await sessionWith(3, "keep");
    const blocker = gate();
    const got = recorder();
    const f = await follow({
      deliver: async (event) => {
        got.deliver(event);
        if (event.session_id === gone && event.seq === 3) await blocker.promise;
      },
    });
    await waitFor(() => got.seqs(gone).length === 3);
    await deliveredAll(got.seqs, [keep]);
    await say(gone, 5, "queued");
    await engine.deleteSession(gone);
    blocker.resolve();

    await waitFor(() => f.stats().sessions === 1, { what: "the deleted session's lane to end" });
    expect(got.seqs(gone)).toEqual([1, 2, 3]);
    await say(keep, 2);
    await deliveredAll(got.seqs, [keep]);
    expect((await store.readCursors("bridge")).map((c) => c.session_id)).toEqual([keep]);
    expect(sqlite.raw.prepare("select * from cursors where session_id = ?").all(gone)).toEqual([]);
    expect(failures).toEqual([]);
  });

  it("forgets idle lanes of deleted sessions when a new session appears", async () => {
    const gone = await sessionWith(1, "gone");
    const got = recorder();
    const f = await follow({ deliver: got.deliver });
    await deliveredAll(got.seqs, [gone]);
    await engine.deleteSession(gone);
    expect(f.stats().sessions).toBe(1);
    await sessionWith(1, "new");
    expect(f.stats().sessions).toBe(1);
  });
});
