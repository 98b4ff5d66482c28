// The engine on the in-memory store (and, where the database file itself is the point, on a real
// SQLite store): group commit, commit-then-publish, approval compare-and-set, session rules, id
// prefixes, state that survives a restart, the agent's input cursor, and deleting a session.
import SqliteDatabase from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermissionBroker } from "../../dist/adapters/permissions.js";
import { LocalBus } from "../../dist/bus/bus.js";
import type { AskRequest } from "../../dist/core/approvals.js";
import { Engine } from "../../dist/core/engine.js";
import { TetherError } from "../../dist/core/errors.js";
import { MemoryData, MemoryStore } from "../../dist/core/memory-store.js";
import type { Store, StoredEvent, WriteBatch } from "../../dist/core/store.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import type { Approval } from "../../dist/shared/schemas.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

/** A Store that passes everything to another, counting commits and failing on demand. */
class SpyStore implements Store {
  readonly batches: WriteBatch[] = [];
  failNext = 0;
  /** While set, a failing commit waits for it before failing, and load waits for it too. */
  failGate: Promise<void> | null = null;
  loadGate: Promise<void> | null = null;
  /** Every commit holding an event of this session fails, as a constraint error would. */
  refuseSession: string | null = null;
  constructor(readonly inner: Store) {}
  async load() {
    await this.loadGate;
    return this.inner.load();
  }
  async commit(batch: WriteBatch) {
    this.batches.push(batch);
    // As a constraint error would: the store refuses a batch holding this session's events.
    if (this.refuseSession && batch.events.some((e) => e.session_id === this.refuseSession)) {
      throw new Error("constraint failed");
    }
    if (this.failNext > 0) {
      this.failNext--;
      await this.failGate;
      throw new Error("disk on fire");
    }
    return this.inner.commit(batch);
  }
  readEvents(sessionId: string, afterSeq: number, limit: number, maxChars?: number) {
    return this.inner.readEvents(sessionId, afterSeq, limit, maxChars);
  }
  readQueue(sessionId: string, afterSeq: number, limit: number) {
    return this.inner.readQueue(sessionId, afterSeq, limit);
  }
  getApproval(id: string) {
    return this.inner.getApproval(id);
  }
  listApprovals(query: Parameters<Store["listApprovals"]>[0]) {
    return this.inner.listApprovals(query);
  }
  listRules(sessionId: string) {
    return this.inner.listRules(sessionId);
  }
  cursorReads = 0;
  readCursors(consumer: string) {
    this.cursorReads++;
    return this.inner.readCursors(consumer);
  }
  threadReads = 0;
  readThreads(platform: string) {
    this.threadReads++;
    return this.inner.readThreads(platform);
  }
  get pushSubscriptions() {
    return this.inner.pushSubscriptions;
  }
  get bridgeUsers() {
    return this.inner.bridgeUsers;
  }
  close() {
    return this.inner.close();
  }
}

/** A field of an event's or queued message's data, whatever its type. */
function fieldOf(e: { data: unknown }, field: string): unknown {
  return (e.data as Record<string, unknown>)[field];
}
const textOf = (e: { data: unknown }) => fieldOf(e, "text");

/** What the in-memory store of this test holds; it outlives a store's close, as a file would. */
let data: MemoryData;
/** Set once a test has moved to SQLite (onSqlite). */
let dir: ReturnType<typeof tempDir> | undefined;
let sqlite: OpenedSqlite;
let store: SpyStore;
let bus: LocalBus;
let engine: Engine;
let storageFailures: unknown[];

async function openEngine(): Promise<Engine> {
  const e = new Engine({ store, bus, onStorageFailure: (err) => storageFailures.push(err) });
  await e.init();
  return e;
}

/** Opens (or, after a close, reopens) the store: on this test's in-memory data, or on the
 * database in `dir` once the test has moved to SQLite. */
async function openStore(): Promise<void> {
  if (!dir) {
    store = new SpyStore(new MemoryStore(data));
    return;
  }
  sqlite = openSqlite(dir.path);
  const sql = new SqlStore(sqlite.db, sqlite.close);
  await sql.migrate();
  store = new SpyStore(sql);
}

/** For the tests about the database file itself: starts this test over on a SQLite store. */
async function onSqlite(): Promise<void> {
  await engine.drain();
  await store.close();
  dir = tempDir("tether-engine-");
  await openStore();
  engine = await openEngine();
}

beforeEach(async () => {
  data = new MemoryData();
  dir = undefined;
  await openStore();
  bus = new LocalBus();
  storageFailures = [];
  engine = await openEngine();
});

afterEach(async () => {
  await engine.drain();
  await store.close();
  dir?.remove();
});

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const ask = (title: string, options: string[] = []): AskRequest => ({
  title,
  description: "",
  options,
  tool_name: null,
  tool_input: null,
});

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<TetherError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TetherError);
    return error as TetherError;
  }
  throw new Error("expected a rejection");
}

/** The error a function throws. */
function thrown(fn: () => unknown): TetherError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TetherError);
    return error as TetherError;
  }
  throw new Error("expected a throw");
}

describe("group commit", () => {
  it("commits many appends of one tick in one transaction, with gapless seqs in call order", async () => {
    const s = await runningSession();
    const before = store.batches.length;

    const appends = range(1, 200).map((i) =>
      engine.appendOutput(s.id, { text: `line ${i}`, metadata: {} }),
    );
    const events = await Promise.all(appends);

    expect(events.map((e) => e.seq)).toEqual(range(3, 202));
    expect(events.map((e) => textOf(e))).toEqual(range(1, 200).map((i) => `line ${i}`));
    expect(store.batches.length - before).toBe(1);
    expect(store.batches.at(-1)!.events).toHaveLength(200);

    const onDisk = (await store.readEvents(s.id, 0, 1000)).events;
    expect(onDisk.map((e) => e.seq)).toEqual(range(1, 202));
    expect(onDisk.slice(2).map(textOf)).toEqual(events.map(textOf));
    expect(engine.getSession(s.id).last_seq).toBe(202);
  });

  it("keeps seqs gapless and per session when producers interleave across ticks", async () => {
    const a = await runningSession();
    const b = await runningSession();
    const producer = async (id: string, name: string) => {
      const seqs: number[] = [];
      for (let i = 0; i < 30; i++) {
        seqs.push((await engine.appendOutput(id, { text: `${name}${i}`, metadata: {} })).seq);
      }
      return seqs;
    };
    const results = await Promise.all([
      producer(a.id, "a1-"),
      producer(a.id, "a2-"),
      producer(b.id, "b1-"),
      producer(a.id, "a3-"),
    ]);
    for (const seqs of results) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const aSeqs = [...results[0]!, ...results[1]!, ...results[3]!].sort((x, y) => x - y);
    expect(aSeqs).toEqual(range(3, 92));
    expect(results[2]).toEqual(range(3, 32));
    expect((await store.readEvents(a.id, 0, 1000)).events.map((e) => e.seq)).toEqual(range(1, 92));
    expect((await store.readEvents(b.id, 0, 1000)).events.map((e) => e.seq)).toEqual(range(1, 32));
    // Batches were shared: fewer transactions than writes.
    expect(store.batches.length).toBeLessThan(124);
  });

  it("publishes events only once they are committed, in seq order", async () => {
    await onSqlite();
    const s = await runningSession();
    // A second connection sees only what is committed.
    const reader = new SqliteDatabase(sqlite.path, { readonly: true });
    const committed = reader.prepare("select 1 from events where session_id = ? and seq = ?");
    const received: { seq: number; onDisk: boolean }[] = [];
    bus.subscribe({
      sessionId: s.id,
      deliver(e: StoredEvent) {
        received.push({ seq: e.seq, onDisk: committed.get(e.session_id, e.seq) !== undefined });
        return true;
      },
      cutOff() {},
    });
    let resolved = 0;
    const appends = range(1, 50).map((i) =>
      engine.appendOutput(s.id, { text: `${i}`, metadata: {} }).then((e) => {
        resolved++;
        return e;
      }),
    );
    // Staged, not yet committed: nobody has seen anything.
    expect(received).toEqual([]);
    await Promise.resolve();
    expect(received).toEqual([]);

    await Promise.all(appends);
    reader.close();
    expect(resolved).toBe(50);
    expect(received.map((r) => r.seq)).toEqual(range(3, 52));
    expect(received.every((r) => r.onDisk)).toBe(true);
  });

  it("publishes nothing and rejects every caller of a batch that fails to commit", async () => {
    const s = await runningSession();
    const received: number[] = [];
    bus.subscribe({ deliver: (e) => received.push(e.seq) > 0, cutOff() {} });
    // The shared transaction fails, and so does the first piece tried alone; the others are of
    // the same session, so their seqs follow one not on disk: refused without trying.
    store.failNext = 2;

    const results = await Promise.allSettled(
      range(1, 5).map((i) => engine.appendOutput(s.id, { text: `${i}`, metadata: {} })),
    );

    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "unavailable" });
    }
    expect(received).toEqual([]);
    expect(storageFailures).toHaveLength(1);
    expect((await store.readEvents(s.id, 0, 100)).events).toHaveLength(2);
    // The engine takes the disk's word again, so the next event follows on without a gap.
    await waitFor(() => engine.getSession(s.id).last_seq === 2, { what: "state reloaded" });
    const next = await engine.appendOutput(s.id, { text: "after", metadata: {} });
    expect(next.seq).toBe(3);
    expect(received).toEqual([3]);
  });

  it("refuses writes built on a failed batch and while reloading, then carries on gapless", async () => {
    const s = await runningSession();
    const commitFails = deferred();
    const loadDone = deferred();
    store.failNext = 1;
    store.failGate = commitFails.promise;
    store.loadGate = loadDone.promise;

    const failing = engine.appendOutput(s.id, { text: "a", metadata: {} });
    await waitFor(() => store.batches.length === 3, { what: "the failing commit to start" });
    // Staged while the failing commit is in flight, so its seq follows one that never lands.
    const behind = engine.appendOutput(s.id, { text: "b", metadata: {} });
    commitFails.resolve();
    await expect(failing).rejects.toMatchObject({ code: "unavailable" });
    await expect(behind).rejects.toMatchObject({ code: "unavailable" });
    // Memory is being reloaded: no write is taken meanwhile.
    await expect(engine.appendOutput(s.id, { text: "c", metadata: {} })).rejects.toMatchObject({
      code: "unavailable",
    });

    loadDone.resolve();
    await waitFor(() => engine.getSession(s.id).last_seq === 2, { what: "state reloaded" });
    const next = await engine.appendOutput(s.id, { text: "d", metadata: {} });
    expect(next.seq).toBe(3);
    const onDisk = (await store.readEvents(s.id, 0, 100)).events;
    expect(onDisk.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(onDisk[2]?.data).toMatchObject({ text: "d" });
  });
});

/** A session its agent has started, so outputs add no state event of their own. */
async function runningSession() {
  const s = await engine.createSession({ kind: "external" });
  await engine.setState(s.id, "running");
  return s;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("approvals", () => {
  it("lets exactly one of two same-tick answers win; the other learns who won", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.approvals.ask(s.id, ask("Deploy?"));

    const [first, second] = await Promise.allSettled([
      engine.approvals.resolve(approval.id, {
        option: "Approve",
        actor: { kind: "web", device: "phone" },
      }),
      engine.approvals.resolve(approval.id, {
        option: "Reject",
        actor: { kind: "web", device: "alice" },
      }),
    ]);

    expect(first.status).toBe("fulfilled");
    const won = (first as PromiseFulfilledResult<{ decision: string; decided_by: string }>).value;
    expect(won).toMatchObject({ status: "resolved", decision: "Approve", decided_by: "web:phone" });
    expect(second.status).toBe("rejected");
    const lost = (second as PromiseRejectedResult).reason as TetherError;
    expect(lost).toBeInstanceOf(TetherError);
    expect(lost.code).toBe("approval_already_resolved");
    expect(lost.status).toBe(409);
    expect(lost.message).toContain("web:phone");
    expect(lost.details).toMatchObject({ decided_by: "web:phone", decision: "Approve" });

    // Exactly one decision was recorded and queued for the agent.
    const events = (await engine.readEvents(s.id, 0, 100)).events;
    expect(events.filter((e) => e.type === "approval_resolved")).toHaveLength(1);
    const inputs = await engine.readQueue(s.id);
    expect(inputs.map((i) => [i.type, fieldOf(i, "option")])).toEqual([
      ["approval_response", "Approve"],
    ]);
    expect(engine.approvals.pendingCount).toBe(0);
  });

  it("answers a late answer, after the winner is on disk, with the winner too", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.approvals.ask(s.id, ask("Delete branch?", ["Yes", "No"]));
    await engine.approvals.resolve(approval.id, {
      option: "No",
      actor: { kind: "web", device: "bob" },
    });

    const late = await rejection(
      engine.approvals.resolve(approval.id, {
        option: "Yes",
        actor: { kind: "web", device: "phone" },
      }),
    );
    expect(late.code).toBe("approval_already_resolved");
    expect(late.message).toContain("web:bob");
    expect((await engine.approvals.get(approval.id)).decision).toBe("No");
  });

  it("refuses an option the approval does not offer, naming the options", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.approvals.ask(s.id, ask("Run tests?", ["Run", "Skip"]));

    const error = await rejection(
      engine.approvals.resolve(approval.id, {
        option: "Maybe",
        actor: { kind: "web", device: "phone" },
      }),
    );
    expect(error.code).toBe("bad_request");
    expect(error.status).toBe(400);
    expect(error.message).toContain('"Maybe"');
    expect(error.message).toContain("Run, Skip");
    // Still pending, and a valid answer still works.
    expect((await engine.approvals.get(approval.id)).status).toBe("pending");
    const ok = await engine.approvals.resolve(approval.id, {
      option: "Skip",
      actor: { kind: "cli" },
    });
    expect(ok.decision).toBe("Skip");
  });

  it("offers Approve/Reject when the request names no options", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.approvals.ask(s.id, ask("Proceed?"));
    expect(approval.options).toEqual(["Approve", "Reject"]);
    // Nothing marked risky unless the request says so.
    expect(approval.risky_options).toEqual([]);
    const error = await rejection(
      engine.approvals.resolve(approval.id, { option: "Yes", actor: { kind: "cli" } }),
    );
    expect(error.message).toContain("Approve, Reject");
  });

  it("reports an unknown approval as approval_not_found", async () => {
    const error = await rejection(
      engine.approvals.resolve("apr_nope", { option: "Approve", actor: { kind: "cli" } }),
    );
    expect(error.code).toBe("approval_not_found");
    expect(error.message).toContain("apr_nope");
  });

  it("a withdrawn approval stays withdrawn on disk: a later answer is refused, after a restart too", async () => {
    const s = await runningSession();
    const approval = await engine.approvals.ask(s.id, ask("Still needed?"));
    const waiting = engine.approvals.settled(approval.id);
    await engine.approvals.withdraw(approval.id, "the agent stopped waiting");
    expect((await waiting)?.approval).toMatchObject({ status: "cancelled" });
    expect((await store.getApproval(approval.id))?.status).toBe("cancelled");
    const late = await rejection(
      engine.approvals.resolve(approval.id, { option: "Approve", actor: { kind: "cli" } }),
    );
    expect(late.code).toBe("approval_already_resolved");
    await store.close();
    await openStore();
    engine = await openEngine();
    expect(await engine.approvals.list({ status: "pending" })).toEqual([]);
    expect((await engine.approvals.get(approval.id)).status).toBe("cancelled");
  });

  it("hands the outcome to whoever waits on it, once it is on disk", async () => {
    const s = await runningSession();
    const approval = await engine.approvals.ask(s.id, ask("Deploy?"));
    const early = engine.approvals.settled(approval.id);
    const aborted = new AbortController();
    const gaveUp = engine.approvals.settled(approval.id, aborted.signal);
    aborted.abort();
    expect(await gaveUp).toBeUndefined();
    await engine.approvals.resolve(approval.id, {
      option: "Approve",
      actor: { kind: "web", device: "phone" },
      message: "go ahead",
    });
    const outcome = await early;
    expect(outcome?.message).toBe("go ahead");
    expect(outcome?.approval).toMatchObject({ status: "resolved", decided_by: "web:phone" });
    expect((await store.getApproval(approval.id))?.decision).toBe("Approve");
    // Asked after the fact, it is answered at once from the disk.
    expect((await engine.approvals.settled(approval.id))?.approval.decision).toBe("Approve");
  });

  it("queues a decision only for an agent that reads its queue (the External API)", async () => {
    const external = await runningSession();
    const run = await engine.createSession({ kind: "claude_auto" });
    for (const s of [external, run]) {
      const approval = await engine.approvals.ask(s.id, ask("Go?"));
      await engine.approvals.resolve(approval.id, { option: "Approve", actor: { kind: "cli" } });
    }
    expect((await engine.readQueue(external.id)).map((m) => m.type)).toEqual(["approval_response"]);
    expect(await engine.readQueue(run.id)).toEqual([]);
    // Everyone watching the session still sees the decision.
    const events = (await engine.readEvents(run.id, 0, 100)).events;
    expect(events.filter((e) => e.type === "approval_resolved")).toHaveLength(1);
  });
});

describe("session rules", () => {
  const FOR_SESSION = "Allow Bash for this session";
  const tool = (name: string, forSession = `Allow ${name} for this session`) => ({
    title: `Run ${name}?`,
    description: "",
    options: ["Allow", "Deny", forSession],
    tool_name: name,
    tool_input: { command: "ls" },
  });

  /** A session with a Bash rule made by web:phone, and the approval whose answer made it. */
  async function sessionWithRule() {
    const s = await runningSession();
    const source = await engine.approvals.ask(s.id, tool("Bash"));
    await engine.approvals.resolve(source.id, {
      option: FOR_SESSION,
      actor: { kind: "web", device: "phone" },
    });
    const [rule] = await store.listRules(s.id);
    return { s, source, rule: rule! };
  }

  /** The batches committed while `act` ran. */
  async function commitsOf(act: () => Promise<unknown>): Promise<WriteBatch[]> {
    const before = store.batches.length;
    await act();
    await engine.drain();
    return store.batches.slice(before);
  }

  it("writes the rule in the commit of the answer that chose it", async () => {
    const s = await runningSession();
    const source = await engine.approvals.ask(s.id, tool("Bash"));

    const batches = await commitsOf(() =>
      engine.approvals.resolve(source.id, {
        option: FOR_SESSION,
        actor: { kind: "web", device: "phone" },
      }),
    );

    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch!.approvals.get(source.id)).toMatchObject({ status: "resolved" });
    expect(batch!.rules).toEqual([
      {
        id: expect.stringMatching(/^rule_[0-9a-z]{16}$/),
        session_id: s.id,
        tool: "Bash",
        decision: "allow",
        created_at: (await engine.approvals.get(source.id)).resolved_at,
        created_by: "web:phone",
        source_approval_id: source.id,
      },
    ]);
    expect(await store.listRules(s.id)).toEqual(batch!.rules);
  });

  it("makes no rule from Allow, Deny, a question, or a second answer for a ruled tool", async () => {
    const s = await runningSession();
    const once = await engine.approvals.ask(s.id, tool("Bash"));
    await engine.approvals.resolve(once.id, { option: "Allow", actor: { kind: "cli" } });
    // A question whose option happens to read like a rule's: no tool, no rule.
    const question = await engine.approvals.ask(s.id, ask("Which?", [FOR_SESSION, "No"]));
    await engine.approvals.resolve(question.id, { option: FOR_SESSION, actor: { kind: "cli" } });
    expect(await store.listRules(s.id)).toEqual([]);

    // Two requests pending together, both answered "for this session": one rule.
    const a = await engine.approvals.ask(s.id, tool("Bash"));
    const b = await engine.approvals.ask(s.id, tool("Bash"));
    await Promise.all([
      engine.approvals.resolve(a.id, { option: FOR_SESSION, actor: { kind: "cli" } }),
      engine.approvals.resolve(b.id, {
        option: FOR_SESSION,
        actor: { kind: "web", device: "phone" },
      }),
    ]);
    expect((await store.listRules(s.id)).map((r) => r.source_approval_id)).toEqual([a.id]);
  });

  it("answers a later request by the rule in the request's own commit; it is never pending", async () => {
    const { s, rule } = await sessionWithRule();
    const seen: StoredEvent[] = [];
    bus.subscribe({ sessionId: s.id, deliver: (e) => seen.push(e) > 0, cutOff() {} });

    let approval!: Approval;
    const batches = await commitsOf(async () => {
      approval = await engine.approvals.ask(s.id, tool("Bash"));
    });

    expect(approval).toMatchObject({
      status: "resolved",
      decision: FOR_SESSION,
      decided_by: `rule:${rule.id}`,
      resolved_at: approval.created_at,
    });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.approvals.get(approval.id)).toMatchObject({ status: "resolved" });
    expect(batches[0]!.events.map((e) => e.type)).toEqual([
      "approval_request",
      "approval_resolved",
    ]);
    // Nobody on the bus ever saw it pending: the request itself says who answered.
    const about = seen.filter(
      (e) => fieldOf(e, "id") === approval.id || fieldOf(e, "request_id") === approval.id,
    );
    expect(about.map((e) => [e.type, fieldOf(e, "status"), fieldOf(e, "decided_by")])).toEqual([
      ["approval_request", "resolved", `rule:${rule.id}`],
      ["approval_resolved", "resolved", `rule:${rule.id}`],
    ]);
    expect(engine.approvals.pendingCount).toBe(0);
    expect(await engine.approvals.list({ status: "pending" })).toEqual([]);
    expect(await engine.approvals.get(approval.id)).toEqual(approval);
    // An agent outside Tether hears the answer as it would a human's.
    const inputs = await engine.readQueue(s.id);
    expect(inputs.at(-1)).toMatchObject({
      type: "approval_response",
      data: { request_id: approval.id, option: FOR_SESSION, decided_by: `rule:${rule.id}` },
    });
  });

  it("leaves other tools, other sessions and requests that offer no rule to the human", async () => {
    const { s } = await sessionWithRule();
    const other = await runningSession();
    const requests = [
      await engine.approvals.ask(s.id, tool("Read")),
      await engine.approvals.ask(s.id, tool("Bash", "Allow always")),
      await engine.approvals.ask(s.id, { ...tool("Bash"), tool_name: null }),
      await engine.approvals.ask(other.id, tool("Bash")),
    ];
    expect(requests.map((a) => a.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(engine.approvals.pendingCount).toBe(4);
  });

  it("makes no rule when the answer's commit fails; memory follows the disk", async () => {
    const s = await runningSession();
    const source = await engine.approvals.ask(s.id, tool("Bash"));
    store.failNext = 1;
    await expect(
      engine.approvals.resolve(source.id, { option: FOR_SESSION, actor: { kind: "cli" } }),
    ).rejects.toMatchObject({ code: "unavailable" });
    await waitFor(async () => (await engine.approvals.list({ status: "pending" })).length === 1, {
      what: "state reloaded",
    });
    expect(await store.listRules(s.id)).toEqual([]);
    expect((await engine.approvals.ask(s.id, tool("Bash"))).status).toBe("pending");
  });

  it("a session rule survives a restart after 2,000 other approvals", async () => {
    const { s, rule } = await sessionWithRule();
    // 2,000 other approvals answered after it: more than any window of recent answers holds.
    const others = await Promise.all(
      range(1, 2000).map((i) => engine.approvals.ask(s.id, tool(`Tool${i % 7}`))),
    );
    await Promise.all(
      others.map((a) =>
        engine.approvals.resolve(a.id, { option: "Allow", actor: { kind: "cli" } }),
      ),
    );
    await engine.drain();
    await store.close();

    // A new engine on the same database file, as after a daemon restart.
    await openStore();
    engine = await openEngine();

    // Through the permission broker, as an agent Tether runs asks: answered without a human.
    const broker = new PermissionBroker(engine.approvals);
    const decision = await broker.ask(
      s.id,
      { tool: "Bash", title: "Run Bash?", description: "", input: { command: "ls" } },
      // Only there so a regression fails instead of hanging: a rule answers at once.
      AbortSignal.timeout(20_000),
    );
    expect(decision).toEqual({ allow: true });
    const [answered] = await engine.approvals.list({
      status: "resolved",
      sessionId: s.id,
      limit: 1,
    });
    expect(answered).toMatchObject({ tool_name: "Bash", decided_by: `rule:${rule.id}` });
    expect(engine.approvals.pendingCount).toBe(0);
  });
});

describe("session ids", () => {
  it("finds a session by a unique prefix, refuses an ambiguous one and reports unknown ones", async () => {
    const sessions = await Promise.all(
      range(1, 4).map((i) => engine.createSession({ kind: "external", name: `s${i}` })),
    );
    for (const s of sessions) {
      // The shortest prefix no other session shares.
      let n = "sess_".length + 1;
      while (sessions.some((o) => o.id !== s.id && o.id.startsWith(s.id.slice(0, n)))) n++;
      expect(engine.getSession(s.id.slice(0, n)).id).toBe(s.id);
      expect(engine.getSession(s.id).id).toBe(s.id);
    }

    const ambiguous = thrown(() => engine.getSession("sess_"));
    expect(ambiguous.code).toBe("ambiguous_id");
    expect(ambiguous.message).toContain("matches 4 sessions");

    // `u` is not in the id alphabet, so this prefix can never match.
    const unknown = thrown(() => engine.getSession("sess_uuuu"));
    expect(unknown.code).toBe("session_not_found");
    expect(unknown.status).toBe(404);
    expect(unknown.message).toContain("sess_uuuu");
  });

  it("accepts a prefix wherever a session id is taken", async () => {
    const s = await engine.createSession({ kind: "external" });
    const prefix = s.id.slice(0, 10);
    await engine.appendOutput(prefix, { text: "via prefix", metadata: {} });
    const { seq } = await engine.sendInput(prefix, { text: "hi", sender: { kind: "cli" } });
    // created (1), the output (2), running on that first output (3), the input (4).
    expect((await engine.readEvents(prefix, 0, 10)).events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(seq).toBe(4);
    const approval = await engine.approvals.ask(prefix, ask("Prefix?"));
    const listed = await engine.approvals.list({ status: "pending", sessionId: prefix });
    expect(listed.map((a) => a.id)).toEqual([approval.id]);
    await engine.approvals.resolve(approval.id, { option: "Approve", actor: { kind: "cli" } });
    const resolved = await engine.approvals.list({ status: "resolved", sessionId: prefix });
    expect(resolved.map((a) => a.id)).toEqual([approval.id]);
  });
});

describe("restart", () => {
  async function buildUpState() {
    const s = await engine.createSession({ kind: "external", name: "persisted" });
    await engine.reportStatus(s.id, "thinking");
    await engine.appendOutput(s.id, { text: "working", metadata: { kind: "assistant" } });
    const pending = await engine.approvals.ask(s.id, {
      ...ask("Push?", ["Push", "Hold"]),
      risky_options: ["Push"],
    });
    const done = await engine.approvals.ask(s.id, ask("Lint?"));
    await engine.approvals.resolve(done.id, {
      option: "Approve",
      actor: { kind: "web", device: "phone" },
    });
    const first = await engine.sendInput(s.id, { text: "one", sender: { kind: "cli" } });
    await engine.sendInput(s.id, { text: "two", sender: { kind: "cli" } });
    await engine.acknowledge(s.id, first.seq);
    await engine.recordUsage(s.id, { input_tokens: 10, output_tokens: 5, cost_usd: 0.25 });
    await engine.drain();
    return { session: engine.getSession(s.id), pending, done, firstSeq: first.seq };
  }

  it("keeps sessions, last_seq, agent_cursor and pending approvals in a new engine", async () => {
    const { session, pending, done, firstSeq } = await buildUpState();
    const snapshot = structuredClone(session);

    engine = await openEngine();

    expect(engine.getSession(session.id)).toEqual(snapshot);
    expect(engine.getSession(session.id)).toMatchObject({
      state: "running",
      agent_cursor: firstSeq,
      last_seq: snapshot.last_seq,
      usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.25 },
    });
    expect(engine.approvals.pendingCount).toBe(1);
    expect((await engine.approvals.list({ status: "pending" })).map((a) => a.id)).toEqual([
      pending.id,
    ]);
    expect((await engine.approvals.get(done.id)).decided_by).toBe("web:phone");
    expect((await engine.approvals.get(pending.id)).risky_options).toEqual(["Push"]);
    expect((await engine.approvals.get(done.id)).risky_options).toEqual([]);
    expect((await engine.readQueue(session.id)).map(textOf)).toEqual(["two"]);
    // The pending approval can still be answered, and new events continue the sequence.
    await engine.approvals.resolve(pending.id, { option: "Hold", actor: { kind: "cli" } });
    const next = await engine.appendOutput(session.id, { text: "more", metadata: {} });
    expect(next.seq).toBe(snapshot.last_seq + 2);
  });

  it("keeps them when the database is closed and opened again", async () => {
    await onSqlite();
    const { session, pending, firstSeq } = await buildUpState();
    const snapshot = structuredClone(session);
    await engine.drain();
    await store.close();

    await openStore();
    engine = await openEngine();

    expect(engine.getSession(session.id)).toEqual(snapshot);
    expect(engine.getSession(session.id).agent_cursor).toBe(firstSeq);
    expect(await engine.approvals.get(pending.id)).toMatchObject({
      status: "pending",
      risky_options: ["Push"],
    });
    const events = (await engine.readEvents(session.id, 0, 1000)).events;
    expect(events.map((e) => e.seq)).toEqual(range(1, snapshot.last_seq));
  });
});

describe("agent input cursor", () => {
  it("readInputs returns what is after the acknowledged cursor; acknowledge only moves forward", async () => {
    const s = await engine.createSession({ kind: "external" });
    const sent = [];
    for (const text of ["a", "b", "c"]) {
      sent.push(await engine.sendInput(s.id, { text, sender: { kind: "cli", name: "t" } }));
    }
    const [a, b, c] = sent.map((x) => x.seq) as [number, number, number];
    const texts = async (after?: number) => (await engine.readQueue(s.id, after)).map(textOf);

    expect(await texts()).toEqual(["a", "b", "c"]);
    expect(await texts(a)).toEqual(["b", "c"]);

    await engine.acknowledge(s.id, b);
    expect(engine.getSession(s.id).agent_cursor).toBe(b);
    expect(await texts()).toEqual(["c"]);
    // Asking from before the cursor does not bring back what was acknowledged.
    expect(await texts(0)).toEqual(["c"]);

    await engine.acknowledge(s.id, a);
    expect(engine.getSession(s.id).agent_cursor).toBe(b);

    await engine.acknowledge(s.id, 10_000);
    expect(engine.getSession(s.id).agent_cursor).toBe(c);
    expect(await texts()).toEqual([]);

    engine = await openEngine();
    expect(engine.getSession(s.id).agent_cursor).toBe(c);
  });

  it("hands the agent human input, decisions and interrupts with the seq to acknowledge", async () => {
    const s = await engine.createSession({ kind: "external" });
    await engine.reportStatus(s.id, "thinking");
    const approval = await engine.approvals.ask(s.id, ask("Go?"));
    await engine.approvals.resolve(approval.id, {
      option: "Approve",
      actor: { kind: "web", device: "x" },
    });
    await engine.sendInput(s.id, { text: "hello", sender: { kind: "web", device: "x" } });
    await engine.interrupt(s.id, { kind: "web", device: "x" });
    const inputs = await engine.readQueue(s.id);
    expect(inputs.map((i) => i.type)).toEqual(["approval_response", "human_input", "interrupt"]);
    // Each is keyed by the seq of the event that recorded it.
    const events = (await engine.readEvents(s.id, 0, 100)).events;
    const recordedAs = inputs.map((i) => events.find((e) => e.seq === i.seq)?.type);
    expect(recordedAs).toEqual(["approval_resolved", "human_input", "interrupt"]);
  });
});

describe("delivery cursors", () => {
  async function sessionWithEvents(n: number) {
    const s = await runningSession();
    for (let i = 0; i < n; i++) await engine.appendOutput(s.id, { text: `${i}`, metadata: {} });
    return engine.getSession(s.id);
  }
  const seqOf = (cursors: { session_id: string; seq: number }[], id: string) =>
    cursors.find((c) => c.session_id === id)?.seq;

  it("are on disk once advanceCursor resolves: a reopened store has them", async () => {
    const s = await sessionWithEvents(5);
    await engine.advanceCursor("bridge", s.id, 4);
    // No drain: the promise itself means the row is committed.
    await store.close();
    await openStore();
    engine = await openEngine();
    expect(await engine.readCursors("bridge")).toEqual([
      { consumer: "bridge", session_id: s.id, seq: 4 },
    ]);
    expect(await engine.readCursors("someone-else")).toEqual([]);
  });

  it("only move forward, and never past the session's last event", async () => {
    const s = await sessionWithEvents(5);
    await engine.advanceCursor("bridge", s.id, 4);
    await engine.advanceCursor("bridge", s.id, 2);
    expect(seqOf(await engine.readCursors("bridge"), s.id)).toBe(4);
    await engine.advanceCursor("bridge", s.id, 10_000);
    expect(seqOf(await engine.readCursors("bridge"), s.id)).toBe(s.last_seq);
    expect(seqOf(await store.readCursors("bridge"), s.id)).toBe(s.last_seq);
    expect((await rejection(engine.advanceCursor("bridge", s.id, -1))).code).toBe("bad_request");
    expect((await rejection(engine.advanceCursor("bridge", s.id, 1.5))).code).toBe("bad_request");
    expect((await rejection(engine.advanceCursor("bridge", "sess_nope", 1))).code).toBe(
      "session_not_found",
    );
  });

  it("are read from the disk once per consumer; advances of one tick are one row of one commit", async () => {
    const s = await sessionWithEvents(50);
    const t = await sessionWithEvents(3);
    await engine.readCursors("bridge");
    const before = store.batches.length;
    await Promise.all([
      ...range(1, 50).map((seq) => engine.advanceCursor("bridge", s.id, seq)),
      engine.advanceCursor("bridge", t.id, 2),
      engine.advanceCursor("relay", t.id, 1),
    ]);
    for (let seq = 1; seq <= 20; seq++) await engine.advanceCursor("bridge", t.id, seq);

    expect(store.cursorReads).toBe(2);
    const first = [...store.batches[before]!.cursors.values()];
    expect(first).toHaveLength(3);
    expect(first).toEqual(
      expect.arrayContaining([
        { consumer: "bridge", session_id: s.id, seq: 50 },
        { consumer: "bridge", session_id: t.id, seq: 2 },
        { consumer: "relay", session_id: t.id, seq: 1 },
      ]),
    );
    // Those past t's last event (5) wrote nothing.
    expect(store.batches.length - before).toBe(1 + 3);
    expect(seqOf(await store.readCursors("bridge"), t.id)).toBe(t.last_seq);
  });

  it("are deleted with their session", async () => {
    const keep = await sessionWithEvents(2);
    const gone = await sessionWithEvents(2);
    await engine.advanceCursor("bridge", keep.id, 2);
    await engine.advanceCursor("bridge", gone.id, 2);
    await engine.deleteSession(gone.id);
    expect((await engine.readCursors("bridge")).map((c) => c.session_id)).toEqual([keep.id]);
    expect((await store.readCursors("bridge")).map((c) => c.session_id)).toEqual([keep.id]);
    expect((await rejection(engine.advanceCursor("bridge", gone.id, 2))).code).toBe(
      "session_not_found",
    );
  });
});

describe("chat-bridge threads", () => {
  it("are on disk once saveThread resolves, and read from the disk once per platform", async () => {
    const s = await engine.createSession({ kind: "external", name: "s" });
    const t = await engine.createSession({ kind: "external", name: "t" });
    expect(await engine.threadOf(s.id, "telegram")).toBeUndefined();
    const saved = await engine.saveThread({
      session_id: s.id,
      platform: "telegram",
      thread_id: "41",
      data: { pinned: 9 },
    });
    expect(saved).toMatchObject({ session_id: s.id, platform: "telegram", thread_id: "41" });
    await engine.saveThread({ session_id: t.id, platform: "telegram", thread_id: "42" });
    await engine.saveThread({ ...saved, data: { pinned: 10 } });
    expect(await engine.threadOf(s.id, "telegram")).toMatchObject({ data: { pinned: 10 } });
    expect(await engine.threadOf(s.id, "slack")).toBeUndefined();
    expect(store.threadReads).toBe(2);
    // What the engine hands out is a copy.
    (await engine.threadOf(s.id, "telegram"))!.data.pinned = 0;
    expect((await engine.threadOf(s.id, "telegram"))!.data).toEqual({ pinned: 10 });

    await store.close();
    await openStore();
    engine = await openEngine();
    expect((await engine.readThreads("telegram")).map((x) => [x.session_id, x.thread_id])).toEqual(
      expect.arrayContaining([
        [s.id, "41"],
        [t.id, "42"],
      ]),
    );
    expect((await engine.threadOf(s.id, "telegram"))!.data).toEqual({ pinned: 10 });
  });

  it("are deleted with their session, and only a session that exists gets one", async () => {
    const gone = await engine.createSession({ kind: "external", name: "gone" });
    await engine.saveThread({ session_id: gone.id, platform: "telegram", thread_id: "7" });
    await engine.deleteSession(gone.id);
    expect(await engine.threadOf(gone.id, "telegram")).toBeUndefined();
    expect(await store.readThreads("telegram")).toEqual([]);
    expect(
      (await rejection(engine.saveThread({ session_id: gone.id, platform: "x", thread_id: "1" })))
        .code,
    ).toBe("session_not_found");
  });
});

describe("deleteSession", () => {
  it("removes the session with its events, approvals, inputs and rules", async () => {
    const keep = await engine.createSession({ kind: "external", name: "keep" });
    const gone = await engine.createSession({ kind: "external", name: "gone" });
    await engine.appendOutput(gone.id, { text: "x", metadata: {} });
    const pending = await engine.approvals.ask(gone.id, ask("Pending?"));
    const resolved = await engine.approvals.ask(gone.id, ask("Resolved?"));
    await engine.approvals.resolve(resolved.id, { option: "Approve", actor: { kind: "cli" } });
    await engine.sendInput(gone.id, { text: "queued", sender: { kind: "cli" } });
    const ruled = await engine.approvals.ask(gone.id, {
      ...ask("Bash?", ["Allow", "Allow Bash for this session"]),
      tool_name: "Bash",
    });
    await engine.approvals.resolve(ruled.id, {
      option: "Allow Bash for this session",
      actor: { kind: "cli" },
    });
    expect(await store.listRules(gone.id)).toHaveLength(1);
    const kept = await engine.approvals.ask(keep.id, ask("Keep me"));

    await engine.deleteSession(gone.id);

    expect(thrown(() => engine.getSession(gone.id)).code).toBe("session_not_found");
    expect((await rejection(engine.approvals.get(pending.id))).code).toBe("approval_not_found");
    expect((await rejection(engine.approvals.get(resolved.id))).code).toBe("approval_not_found");
    expect(engine.approvals.pendingCount).toBe(1);
    expect((await store.readEvents(gone.id, 0, 100)).events).toEqual([]);
    expect(await store.readQueue(gone.id, 0, 100)).toEqual([]);
    expect(await store.listApprovals({ status: "resolved", sessionId: gone.id })).toEqual([]);
    expect(await store.listApprovals({ status: "pending", sessionId: gone.id })).toEqual([]);
    expect(await store.listRules(gone.id)).toEqual([]);
    expect((await store.load()).rules).toEqual([]);

    // The other session is untouched, also after a restart.
    engine = await openEngine();
    expect(engine.listSessions().map((s) => s.id)).toEqual([keep.id]);
    expect((await engine.approvals.list({ status: "pending" })).map((a) => a.id)).toEqual([
      kept.id,
    ]);
    // created, the approval request, running on that first request.
    expect((await store.readEvents(keep.id, 0, 100)).events.length).toBe(3);
  });
});

describe("all-or-nothing staging", () => {
  const poisons: [string, () => Record<string, unknown>][] = [
    ["a BigInt", () => ({ big: 10n })],
    [
      "a circular object",
      () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
    ],
  ];

  it.each(poisons)(
    "an output whose metadata holds %s fails alone: nothing staged, no seq burned",
    async (_what, poison) => {
      const bad = await runningSession();
      const good = await runningSession();
      const [refused, accepted] = await Promise.allSettled([
        engine.appendOutput(bad.id, { text: "bad", metadata: poison() }),
        engine.appendOutput(good.id, { text: "innocent", metadata: {} }),
      ]);
      expect(refused.status).toBe("rejected");
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "bad_request" });
      expect(accepted.status).toBe("fulfilled");
      expect(storageFailures).toEqual([]);
      // The bad session's next write takes the seq the bad one would have had.
      expect(engine.getSession(bad.id).last_seq).toBe(2);
      const next = await engine.appendOutput(bad.id, { text: "after", metadata: {} });
      expect(next.seq).toBe(3);
      expect((await store.readEvents(bad.id, 0, 100)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.readEvents(good.id, 0, 100)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    },
  );

  it("an approval whose tool_input cannot be stored leaves no ghost approval", async () => {
    const s = await runningSession();
    const err = await rejection(
      engine.approvals.ask(s.id, { ...ask("Ghost?"), tool_input: { n: 1n } }),
    );
    expect(err.code).toBe("bad_request");
    expect(engine.approvals.pendingCount).toBe(0);
    expect(await engine.approvals.list({ status: "pending" })).toEqual([]);
    expect(engine.getSession(s.id).last_seq).toBe(2);
    const real = await engine.approvals.ask(s.id, ask("Real?"));
    expect(real.seq).toBe(3);
  });

  it("a change the database refuses fails only its caller; another session's write in the same tick commits", async () => {
    const bad = await runningSession();
    const good = await runningSession();
    store.refuseSession = bad.id;
    const [refused, accepted] = await Promise.allSettled([
      engine.appendOutput(bad.id, { text: "refused", metadata: {} }),
      engine.appendOutput(good.id, { text: "innocent", metadata: {} }),
    ]);
    expect(refused.status).toBe("rejected");
    expect(accepted.status).toBe("fulfilled");
    expect((accepted as PromiseFulfilledResult<StoredEvent>).value.seq).toBe(3);
    store.refuseSession = null;
    // Memory is reloaded from the disk, so the refused session carries on gapless.
    await waitFor(() => engine.getSession(bad.id).last_seq === 2, { what: "state reloaded" });
    await waitFor(
      () =>
        engine
          .appendOutput(bad.id, { text: "after", metadata: {} })
          .then((e) => e.seq === 3)
          // Refused (503) until the reload has finished.
          .catch(() => false),
      { what: "a write after the reload" },
    );
    expect((await store.readEvents(good.id, 0, 100)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await store.readEvents(bad.id, 0, 100)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
