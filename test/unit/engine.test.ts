// The engine on a real SQLite store: group commit, commit-then-publish, approval
// compare-and-set, session rules, id prefixes, state that survives a restart, the agent's input
// cursor, and deleting a session.
import SqliteDatabase from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermissionBroker } from "../../dist/adapters/permissions.js";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import { TetherError } from "../../dist/core/errors.js";
import type { Store, StoredEvent, WriteBatch } from "../../dist/core/store.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import type { ApprovalRequestBody } from "../../dist/shared/schemas.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

/** A Store that passes everything to the SQL store, counting commits and failing on demand. */
class SpyStore implements Store {
  readonly batches: WriteBatch[] = [];
  failNext = 0;
  /** While set, a failing commit waits for it before failing, and load waits for it too. */
  failGate: Promise<void> | null = null;
  loadGate: Promise<void> | null = null;
  /** Every commit holding an event of this session fails, as a constraint error would. */
  refuseSession: string | null = null;
  constructor(readonly inner: SqlStore) {}
  async load() {
    await this.loadGate;
    return this.inner.load();
  }
  async commit(batch: WriteBatch) {
    this.batches.push(batch);
    // A real constraint error: the SQL store refuses a batch holding this session's events.
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
  readInputs(sessionId: string, afterSeq: number, limit: number) {
    return this.inner.readInputs(sessionId, afterSeq, limit);
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
  get pushSubscriptions() {
    return this.inner.pushSubscriptions;
  }
  close() {
    return this.inner.close();
  }
}

let dir: ReturnType<typeof tempDir>;
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

/** Opens (or, after a close, reopens) the database in `dir` as the store. */
async function openStore(): Promise<void> {
  sqlite = openSqlite(dir.path);
  const sql = new SqlStore(sqlite.db, sqlite.close);
  await sql.migrate();
  store = new SpyStore(sql);
}

beforeEach(async () => {
  dir = tempDir("tether-engine-");
  await openStore();
  bus = new LocalBus();
  storageFailures = [];
  engine = await openEngine();
});

afterEach(async () => {
  await engine.drain();
  await store.close();
  dir.remove();
});

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const ask = (title: string, options: string[] = []): ApprovalRequestBody => ({
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
    expect(events.map((e) => e.data.text)).toEqual(range(1, 200).map((i) => `line ${i}`));
    expect(store.batches.length - before).toBe(1);
    expect(store.batches.at(-1)!.events).toHaveLength(200);

    const onDisk = (await store.readEvents(s.id, 0, 1000)).events;
    expect(onDisk.map((e) => e.seq)).toEqual(range(1, 202));
    expect(onDisk.slice(2).map((e) => e.data.text)).toEqual(events.map((e) => e.data.text));
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
    const approval = await engine.requestApproval(s.id, ask("Deploy?"));

    const [first, second] = await Promise.allSettled([
      engine.resolveApproval(approval.id, { option: "Approve", decided_by: "web:phone" }),
      engine.resolveApproval(approval.id, { option: "Reject", decided_by: "telegram:alice" }),
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
    const inputs = await engine.readInputs(s.id);
    expect(inputs.map((i) => [i.type, i.data.option])).toEqual([["approval_response", "Approve"]]);
    expect(engine.pendingApprovalCount).toBe(0);
  });

  it("answers a late answer, after the winner is on disk, with the winner too", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.requestApproval(s.id, ask("Delete branch?", ["Yes", "No"]));
    await engine.resolveApproval(approval.id, { option: "No", decided_by: "slack:bob" });

    const late = await rejection(
      engine.resolveApproval(approval.id, { option: "Yes", decided_by: "web:phone" }),
    );
    expect(late.code).toBe("approval_already_resolved");
    expect(late.message).toContain("slack:bob");
    expect((await engine.getApproval(approval.id)).decision).toBe("No");
  });

  it("refuses an option the approval does not offer, naming the options", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.requestApproval(s.id, ask("Run tests?", ["Run", "Skip"]));

    const error = await rejection(
      engine.resolveApproval(approval.id, { option: "Maybe", decided_by: "web:phone" }),
    );
    expect(error.code).toBe("bad_request");
    expect(error.status).toBe(400);
    expect(error.message).toContain('"Maybe"');
    expect(error.message).toContain("Run, Skip");
    // Still pending, and a valid answer still works.
    expect((await engine.getApproval(approval.id)).status).toBe("pending");
    const ok = await engine.resolveApproval(approval.id, { option: "Skip", decided_by: "cli" });
    expect(ok.decision).toBe("Skip");
  });

  it("offers Approve/Reject when the request names no options", async () => {
    const s = await engine.createSession({ kind: "external" });
    const approval = await engine.requestApproval(s.id, ask("Proceed?"));
    expect(approval.options).toEqual(["Approve", "Reject"]);
    const error = await rejection(
      engine.resolveApproval(approval.id, { option: "Yes", decided_by: "cli" }),
    );
    expect(error.message).toContain("Approve, Reject");
  });

  it("reports an unknown approval as approval_not_found", async () => {
    const error = await rejection(
      engine.resolveApproval("apr_nope", { option: "Approve", decided_by: "cli" }),
    );
    expect(error.code).toBe("approval_not_found");
    expect(error.message).toContain("apr_nope");
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
    const source = await engine.requestApproval(s.id, tool("Bash"));
    await engine.resolveApproval(source.id, { option: FOR_SESSION, decided_by: "web:phone" });
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
    const source = await engine.requestApproval(s.id, tool("Bash"));

    const batches = await commitsOf(() =>
      engine.resolveApproval(source.id, { option: FOR_SESSION, decided_by: "web:phone" }),
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
        created_at: (await engine.getApproval(source.id)).resolved_at,
        created_by: "web:phone",
        source_approval_id: source.id,
      },
    ]);
    expect(await store.listRules(s.id)).toEqual(batch!.rules);
  });

  it("makes no rule from Allow, Deny, a question, or a second answer for a ruled tool", async () => {
    const s = await runningSession();
    const once = await engine.requestApproval(s.id, tool("Bash"));
    await engine.resolveApproval(once.id, { option: "Allow", decided_by: "cli" });
    // A question whose option happens to read like a rule's: no tool, no rule.
    const question = await engine.requestApproval(s.id, ask("Which?", [FOR_SESSION, "No"]));
    await engine.resolveApproval(question.id, { option: FOR_SESSION, decided_by: "cli" });
    expect(await store.listRules(s.id)).toEqual([]);

    // Two requests pending together, both answered "for this session": one rule.
    const a = await engine.requestApproval(s.id, tool("Bash"));
    const b = await engine.requestApproval(s.id, tool("Bash"));
    await Promise.all([
      engine.resolveApproval(a.id, { option: FOR_SESSION, decided_by: "cli" }),
      engine.resolveApproval(b.id, { option: FOR_SESSION, decided_by: "web:phone" }),
    ]);
    expect((await store.listRules(s.id)).map((r) => r.source_approval_id)).toEqual([a.id]);
  });

  it("answers a later request by the rule in the request's own commit; it is never pending", async () => {
    const { s, rule } = await sessionWithRule();
    const seen: StoredEvent[] = [];
    bus.subscribe({ sessionId: s.id, deliver: (e) => seen.push(e) > 0, cutOff() {} });

    let approval!: Awaited<ReturnType<Engine["requestApproval"]>>;
    const batches = await commitsOf(async () => {
      approval = await engine.requestApproval(s.id, tool("Bash"));
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
      (e) => e.data.id === approval.id || e.data.request_id === approval.id,
    );
    expect(about.map((e) => [e.type, e.data.status ?? null, e.data.decided_by])).toEqual([
      ["approval_request", "resolved", `rule:${rule.id}`],
      ["approval_resolved", null, `rule:${rule.id}`],
    ]);
    expect(engine.pendingApprovalCount).toBe(0);
    expect(await engine.listApprovals({ status: "pending" })).toEqual([]);
    expect(await engine.getApproval(approval.id)).toEqual(approval);
    // An agent outside Tether hears the answer as it would a human's.
    const inputs = await engine.readInputs(s.id);
    expect(inputs.at(-1)).toMatchObject({
      type: "approval_response",
      data: { request_id: approval.id, option: FOR_SESSION, decided_by: `rule:${rule.id}` },
    });
  });

  it("leaves other tools, other sessions and requests that offer no rule to the human", async () => {
    const { s } = await sessionWithRule();
    const other = await runningSession();
    const requests = [
      await engine.requestApproval(s.id, tool("Read")),
      await engine.requestApproval(s.id, tool("Bash", "Allow always")),
      await engine.requestApproval(s.id, { ...tool("Bash"), tool_name: null }),
      await engine.requestApproval(other.id, tool("Bash")),
    ];
    expect(requests.map((a) => a.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(engine.pendingApprovalCount).toBe(4);
  });

  it("makes no rule when the answer's commit fails; memory follows the disk", async () => {
    const s = await runningSession();
    const source = await engine.requestApproval(s.id, tool("Bash"));
    store.failNext = 1;
    await expect(
      engine.resolveApproval(source.id, { option: FOR_SESSION, decided_by: "cli" }),
    ).rejects.toMatchObject({ code: "unavailable" });
    await waitFor(async () => (await engine.listApprovals({ status: "pending" })).length === 1, {
      what: "state reloaded",
    });
    expect(await store.listRules(s.id)).toEqual([]);
    expect((await engine.requestApproval(s.id, tool("Bash"))).status).toBe("pending");
  });

  it("a session rule survives a restart after 2,000 other approvals", async () => {
    const { s, rule } = await sessionWithRule();
    // 2,000 other approvals answered after it: more than any window of recent answers holds.
    const others = await Promise.all(
      range(1, 2000).map((i) => engine.requestApproval(s.id, tool(`Tool${i % 7}`))),
    );
    await Promise.all(
      others.map((a) => engine.resolveApproval(a.id, { option: "Allow", decided_by: "cli" })),
    );
    await engine.drain();
    await store.close();

    // A new engine on the same database file, as after a daemon restart.
    await openStore();
    engine = await openEngine();

    // Through the permission broker, as an agent Tether runs asks: answered without a human.
    const broker = new PermissionBroker(engine);
    const decision = await broker.ask(
      s.id,
      { tool: "Bash", title: "Run Bash?", description: "", input: { command: "ls" } },
      // Only there so a regression fails instead of hanging: a rule answers at once.
      AbortSignal.timeout(20_000),
    );
    expect(decision).toEqual({ allow: true });
    const [answered] = await engine.listApprovals({
      status: "resolved",
      sessionId: s.id,
      limit: 1,
    });
    expect(answered).toMatchObject({ tool_name: "Bash", decided_by: `rule:${rule.id}` });
    expect(engine.pendingApprovalCount).toBe(0);
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
    const { seq } = await engine.sendInput(prefix, { text: "hi", sender: "cli" });
    // created (1), the output (2), running on that first output (3), the input (4).
    expect((await engine.readEvents(prefix, 0, 10)).events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(seq).toBe(4);
    const approval = await engine.requestApproval(prefix, ask("Prefix?"));
    const listed = await engine.listApprovals({ status: "pending", sessionId: prefix });
    expect(listed.map((a) => a.id)).toEqual([approval.id]);
    await engine.resolveApproval(approval.id, { option: "Approve", decided_by: "cli" });
    const resolved = await engine.listApprovals({ status: "resolved", sessionId: prefix });
    expect(resolved.map((a) => a.id)).toEqual([approval.id]);
  });
});

describe("restart", () => {
  async function buildUpState() {
    const s = await engine.createSession({ kind: "external", name: "persisted" });
    await engine.reportStatus(s.id, "thinking");
    await engine.appendOutput(s.id, { text: "working", metadata: { kind: "assistant" } });
    const pending = await engine.requestApproval(s.id, ask("Push?", ["Push", "Hold"]));
    const done = await engine.requestApproval(s.id, ask("Lint?"));
    await engine.resolveApproval(done.id, { option: "Approve", decided_by: "web:phone" });
    const first = await engine.sendInput(s.id, { text: "one", sender: "cli" });
    await engine.sendInput(s.id, { text: "two", sender: "cli" });
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
    expect(engine.pendingApprovalCount).toBe(1);
    expect((await engine.listApprovals({ status: "pending" })).map((a) => a.id)).toEqual([
      pending.id,
    ]);
    expect((await engine.getApproval(done.id)).decided_by).toBe("web:phone");
    expect((await engine.readInputs(session.id)).map((i) => i.data.text)).toEqual(["two"]);
    // The pending approval can still be answered, and new events continue the sequence.
    await engine.resolveApproval(pending.id, { option: "Hold", decided_by: "cli" });
    const next = await engine.appendOutput(session.id, { text: "more", metadata: {} });
    expect(next.seq).toBe(snapshot.last_seq + 2);
  });

  it("keeps them when the database is closed and opened again", async () => {
    const { session, pending, firstSeq } = await buildUpState();
    const snapshot = structuredClone(session);
    await engine.drain();
    await store.close();

    await openStore();
    engine = await openEngine();

    expect(engine.getSession(session.id)).toEqual(snapshot);
    expect(engine.getSession(session.id).agent_cursor).toBe(firstSeq);
    expect((await engine.getApproval(pending.id)).status).toBe("pending");
    const events = (await engine.readEvents(session.id, 0, 1000)).events;
    expect(events.map((e) => e.seq)).toEqual(range(1, snapshot.last_seq));
  });
});

describe("agent input cursor", () => {
  it("readInputs returns what is after the acknowledged cursor; acknowledge only moves forward", async () => {
    const s = await engine.createSession({ kind: "external" });
    const sent = [];
    for (const text of ["a", "b", "c"]) {
      sent.push(await engine.sendInput(s.id, { text, sender: "t" }));
    }
    const [a, b, c] = sent.map((x) => x.seq) as [number, number, number];
    const texts = async (after?: number) =>
      (await engine.readInputs(s.id, after)).map((i) => i.data.text);

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
    const approval = await engine.requestApproval(s.id, ask("Go?"));
    await engine.resolveApproval(approval.id, { option: "Approve", decided_by: "web:x" });
    await engine.sendInput(s.id, { text: "hello", sender: "web:x" });
    await engine.interrupt(s.id, "web:x");
    const inputs = await engine.readInputs(s.id);
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

describe("deleteSession", () => {
  it("removes the session with its events, approvals, inputs and rules", async () => {
    const keep = await engine.createSession({ kind: "external", name: "keep" });
    const gone = await engine.createSession({ kind: "external", name: "gone" });
    await engine.appendOutput(gone.id, { text: "x", metadata: {} });
    const pending = await engine.requestApproval(gone.id, ask("Pending?"));
    const resolved = await engine.requestApproval(gone.id, ask("Resolved?"));
    await engine.resolveApproval(resolved.id, { option: "Approve", decided_by: "cli" });
    await engine.sendInput(gone.id, { text: "queued", sender: "cli" });
    const ruled = await engine.requestApproval(gone.id, {
      ...ask("Bash?", ["Allow", "Allow Bash for this session"]),
      tool_name: "Bash",
    });
    await engine.resolveApproval(ruled.id, {
      option: "Allow Bash for this session",
      decided_by: "cli",
    });
    expect(await store.listRules(gone.id)).toHaveLength(1);
    const kept = await engine.requestApproval(keep.id, ask("Keep me"));

    await engine.deleteSession(gone.id);

    expect(thrown(() => engine.getSession(gone.id)).code).toBe("session_not_found");
    expect((await rejection(engine.getApproval(pending.id))).code).toBe("approval_not_found");
    expect((await rejection(engine.getApproval(resolved.id))).code).toBe("approval_not_found");
    expect(engine.pendingApprovalCount).toBe(1);
    expect((await store.readEvents(gone.id, 0, 100)).events).toEqual([]);
    expect(await store.readInputs(gone.id, 0, 100)).toEqual([]);
    expect(await store.listApprovals({ status: "resolved", sessionId: gone.id })).toEqual([]);
    expect(await store.listApprovals({ status: "pending", sessionId: gone.id })).toEqual([]);
    expect(await store.listRules(gone.id)).toEqual([]);
    expect((await store.load()).rules).toEqual([]);

    // The other session is untouched, also after a restart.
    engine = await openEngine();
    expect(engine.listSessions().map((s) => s.id)).toEqual([keep.id]);
    expect((await engine.listApprovals({ status: "pending" })).map((a) => a.id)).toEqual([kept.id]);
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
      engine.requestApproval(s.id, { ...ask("Ghost?"), tool_input: { n: 1n } }),
    );
    expect(err.code).toBe("bad_request");
    expect(engine.pendingApprovalCount).toBe(0);
    expect(await engine.listApprovals({ status: "pending" })).toEqual([]);
    expect(engine.getSession(s.id).last_seq).toBe(2);
    const real = await engine.requestApproval(s.id, ask("Real?"));
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
