// The SQLite store's fast commit path (prepared better-sqlite3 statements) writes exactly what
// the portable Kysely path writes: the same batches committed through both leave identical
// tables, and a failed batch leaves nothing behind.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import {
  emptyBatch,
  eventJson,
  type Store,
  type StoredEvent,
  type WriteBatch,
} from "../../dist/core/store.js";
import type { Database } from "../../dist/db/schema.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import { tempDir } from "../helpers/daemon.js";

const TABLES = {
  sessions: "id",
  events: "session_id, seq",
  approvals: "id",
  inputs: "session_id, seq",
  rules: "id",
  cursors: "consumer, session_id",
  threads: "platform, session_id",
} as const;

let dirs: ReturnType<typeof tempDir>[];
let opened: OpenedSqlite[];

beforeEach(() => {
  dirs = [];
  opened = [];
});
afterEach(async () => {
  await Promise.all(opened.map((o) => o.close()));
  for (const d of dirs) d.remove();
});

async function openStore(commitPath: "sqlite" | "portable") {
  const dir = tempDir(`tether-${commitPath}-`);
  dirs.push(dir);
  const sqlite = openSqlite(dir.path);
  opened.push(sqlite);
  const store = new SqlStore(sqlite.db, sqlite.close, { commitPath });
  await store.migrate();
  return { sqlite, store };
}

function dump(sqlite: OpenedSqlite): Record<keyof typeof TABLES, unknown[]> {
  const rows = (table: keyof typeof TABLES) =>
    sqlite.raw.prepare(`select * from ${table} order by ${TABLES[table]}`).all();
  return {
    sessions: rows("sessions"),
    events: rows("events"),
    approvals: rows("approvals"),
    inputs: rows("inputs"),
    rules: rows("rules"),
    cursors: rows("cursors"),
    threads: rows("threads"),
  };
}

/** Passes each batch to `primary`, then commits the same batch to `mirror`. */
function mirrored(primary: Store, mirror: Store): Store {
  return {
    load: () => primary.load(),
    async commit(batch: WriteBatch) {
      await primary.commit(batch);
      await mirror.commit(batch);
    },
    readEvents: (s, a, l, m) => primary.readEvents(s, a, l, m),
    readQueue: (s, a, l) => primary.readQueue(s, a, l),
    getApproval: (id) => primary.getApproval(id),
    listApprovals: (q) => primary.listApprovals(q),
    listRules: (s) => primary.listRules(s),
    readCursors: (c) => primary.readCursors(c),
    readThreads: (p) => primary.readThreads(p),
    pushSubscriptions: primary.pushSubscriptions,
    bridgeUsers: primary.bridgeUsers,
    close: () => primary.close(),
  };
}

const FOR_SESSION = "Allow Bash for this session";
const ask = (title: string) => ({
  title,
  description: "",
  options: ["Approve", "Reject", FOR_SESSION],
  tool_name: "Bash",
  tool_input: { command: "npm test" },
});

describe("SQLite commit path", () => {
  it("leaves the same rows as the portable path for every kind of write", async () => {
    const fast = await openStore("sqlite");
    const portable = await openStore("portable");
    const engine = new Engine({ store: mirrored(fast.store, portable.store), bus: new LocalBus() });
    await engine.init();

    const a = await engine.createSession({ kind: "external", name: "a", directory: "/src" });
    const b = await engine.createSession({ kind: "external", name: "b" });
    await engine.renameSession(a.id, "renamed");
    await Promise.all([
      engine.appendOutput(a.id, { text: "one", metadata: { n: 1 } }),
      engine.appendOutput(b.id, { text: "two", metadata: {} }),
      engine.reportStatus(a.id, "thinking"),
    ]);
    await engine.recordUsage(a.id, { input_tokens: 10, output_tokens: 5, cost_usd: 0.25 });
    const approval = await engine.approvals.ask(a.id, ask("Run npm test?"));
    await engine.approvals.ask(b.id, ask("Still pending"));
    await engine.approvals.resolve(approval.id, {
      option: "Approve",
      actor: { kind: "cli", name: "phone" },
    });
    await engine.sendInput(a.id, { text: "go on", sender: { kind: "cli" } });
    await engine.acknowledge(a.id, 5);
    await engine.interrupt(a.id, { kind: "cli" });
    const gone = await engine.createSession({ kind: "external", name: "gone" });
    // A session rule, and a request it answers; and one deleted with its session.
    const ruled = await engine.approvals.ask(b.id, ask("Rule?"));
    await engine.approvals.resolve(ruled.id, {
      option: FOR_SESSION,
      actor: { kind: "web", device: "phone" },
    });
    await engine.approvals.ask(b.id, ask("By the rule"));
    const goneRule = await engine.approvals.ask(gone.id, ask("Gone rule?"));
    await engine.approvals.resolve(goneRule.id, { option: FOR_SESSION, actor: { kind: "cli" } });
    await engine.approvals.ask(gone.id, ask("Gone?"));
    await engine.sendInput(gone.id, { text: "lost", sender: { kind: "cli" } });
    // Cursors: moved forward twice in one commit, then not back; and one deleted with its session.
    await Promise.all([
      engine.advanceCursor("bridge", a.id, 2),
      engine.advanceCursor("bridge", a.id, 4),
      engine.advanceCursor("relay", b.id, 1),
      engine.advanceCursor("bridge", gone.id, 1),
    ]);
    await engine.advanceCursor("bridge", a.id, 3);
    await engine.deleteSession(gone.id);
    await engine.drain();

    const rows = dump(fast.sqlite);
    expect(rows.sessions).toHaveLength(2);
    expect(rows.events.length).toBeGreaterThan(10);
    expect(rows.approvals).toHaveLength(4);
    // a's decision, input and interrupt; b's decision and its rule's answer
    expect(rows.inputs).toHaveLength(5);
    expect(rows.rules).toEqual([expect.objectContaining({ session_id: b.id, tool: "Bash" })]);
    expect(rows.cursors).toEqual(
      expect.arrayContaining([
        { consumer: "bridge", session_id: a.id, seq: 4 },
        { consumer: "relay", session_id: b.id, seq: 1 },
      ]),
    );
    expect(rows.cursors).toHaveLength(2);
    expect(rows).toEqual(dump(portable.sqlite));
    // And what the fast path wrote reads back through the portable repos.
    const loaded = await fast.store.load();
    expect(loaded.sessions.map((s) => [s.name, s.agent_cursor, s.usage.cost_usd])).toEqual(
      expect.arrayContaining([
        ["renamed", 5, 0.25],
        ["b", 0, 0],
      ]),
    );
    expect((await fast.store.getApproval(approval.id))?.decided_by).toBe("cli:phone");
  });

  it("writes nothing of a batch that fails part-way", async () => {
    const { sqlite, store } = await openStore("sqlite");
    const engine = new Engine({ store, bus: new LocalBus() });
    await engine.init();
    const session = await engine.createSession({ kind: "external" });
    await engine.drain();
    const before = dump(sqlite);

    const batch = emptyBatch();
    batch.sessions.set(session.id, { ...session, name: "should not stick" });
    const base = { session_id: session.id, seq: 2, ts: new Date(0).toISOString() };
    const data = { text: "", metadata: {} };
    const event: StoredEvent = {
      ...base,
      type: "output",
      data,
      json: eventJson({ ...base, type: "output" }, JSON.stringify(data)),
    };
    // The same key twice: the second insert violates the events primary key.
    batch.events.push(event, event);
    await expect(store.commit(batch)).rejects.toThrow(/UNIQUE|constraint/i);

    expect(dump(sqlite)).toEqual(before);
  });

  it("refuses to take the fast path on a database it cannot reach", async () => {
    const { sqlite } = await openStore("portable");
    const { Kysely, SqliteDialect } = await import("kysely");
    const foreign = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite.raw }) });
    expect(() => new SqlStore(foreign, async () => {}, { commitPath: "sqlite" })).toThrow(
      /openSqlite/,
    );
  });
});
