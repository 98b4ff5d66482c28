// Migrations: dated, forward-only, applied to an empty database, and a no-op (keeping the data)
// when the same data dir is opened again.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Kysely, Migrator, NO_MIGRATIONS, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import { MIGRATIONS, migrationProvider } from "../../dist/db/migrations/index.js";
import type { Database } from "../../dist/db/schema.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import { tempDir } from "../helpers/daemon.js";

let dir: ReturnType<typeof tempDir>;
const opened: OpenedSqlite[] = [];

beforeEach(() => {
  dir = tempDir("tether-migrations-");
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
  dir.remove();
});

function open(): { sqlite: OpenedSqlite; store: SqlStore } {
  const sqlite = openSqlite(dir.path);
  opened.push(sqlite);
  return { sqlite, store: new SqlStore(sqlite.db, sqlite.close) };
}

async function tables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' order by name`.execute(db);
  return rows.map((r) => r.name);
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

async function columns(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from pragma_table_info(${table}) order by cid`.execute(db);
  return rows.map((r) => r.name);
}

describe("migrations", () => {
  it("migrate an empty database to the latest schema and record each migration", async () => {
    const { sqlite, store } = open();
    expect(await tables(sqlite.db)).toEqual([]);

    await store.migrate();

    const names = await tables(sqlite.db);
    for (const table of [
      "sessions",
      "events",
      "approvals",
      "inputs",
      "push_subscriptions",
      "rules",
      "bridge_users",
    ]) {
      expect(names).toContain(table);
    }
    expect(await appliedMigrations(sqlite.db)).toEqual(Object.keys(MIGRATIONS).sort());
    expect(await columns(sqlite.db, "events")).toEqual(["session_id", "seq", "ts", "type", "data"]);
    expect(await columns(sqlite.db, "inputs")).toEqual(["session_id", "seq", "type", "data"]);
    expect(await columns(sqlite.db, "sessions")).toEqual(
      expect.arrayContaining(["id", "state", "agent_cursor", "created_at", "updated_at"]),
    );
    expect(await columns(sqlite.db, "approvals")).toEqual(
      expect.arrayContaining(["id", "session_id", "status", "decision", "decided_by", "options"]),
    );
    expect(await columns(sqlite.db, "push_subscriptions")).toEqual([
      "endpoint",
      "p256dh",
      "auth",
      "label",
      "user_agent",
      "created_at",
    ]);
    expect(await columns(sqlite.db, "rules")).toEqual([
      "id",
      "session_id",
      "tool",
      "decision",
      "created_at",
      "created_by",
      "source_approval_id",
    ]);
    expect(await columns(sqlite.db, "bridge_users")).toEqual([
      "platform",
      "user_id",
      "name",
      "paired_at",
    ]);
    // The migrated database is usable as a store right away.
    expect(await store.load()).toEqual({ sessions: [], pendingApprovals: [], rules: [] });
  });

  it("are a no-op that keeps the data when the same data dir is opened again", async () => {
    const first = open();
    await first.store.migrate();
    const engine = new Engine({ store: first.store, bus: new LocalBus() });
    await engine.init();
    const session = await engine.createSession({ kind: "external", name: "kept" });
    await engine.appendOutput(session.id, { text: "hello", metadata: {} });
    const approval = await engine.approvals.ask(session.id, {
      title: "Deploy?",
      description: "",
      options: ["Yes", "No"],
      tool_name: null,
      tool_input: null,
    });
    await engine.sendInput(session.id, { text: "queued", sender: { kind: "cli", name: "test" } });
    await engine.drain();
    const schemaBefore = await tables(first.sqlite.db);
    await first.sqlite.close();

    const second = open();
    await second.store.migrate();
    await second.store.migrate();

    expect(await tables(second.sqlite.db)).toEqual(schemaBefore);
    expect(await appliedMigrations(second.sqlite.db)).toEqual(Object.keys(MIGRATIONS).sort());
    const loaded = await second.store.load();
    expect(loaded.sessions.map((s) => [s.id, s.name, s.last_seq])).toEqual([
      [session.id, "kept", 5],
    ]);
    expect(loaded.pendingApprovals.map((a) => a.id)).toEqual([approval.id]);
    const events = (await second.store.readEvents(session.id, 0, 100)).events;
    expect(events.map((e) => e.type)).toEqual([
      "state",
      "output",
      "state",
      "approval_request",
      "human_input",
    ]);
    expect(events[1]!.data).toEqual({ text: "hello", metadata: {} });
    const inputs = await second.store.readQueue(session.id, 0, 100);
    expect(inputs.map((i) => [i.seq, i.type, (i.data as { text?: string }).text])).toEqual([
      [5, "human_input", "queued"],
    ]);
  });

  it("bring a database at every earlier version up to the latest", async () => {
    const names = Object.keys(MIGRATIONS).sort();
    const earlier = [NO_MIGRATIONS, ...names.slice(0, -1)] as const;
    for (const [i, version] of earlier.entries()) {
      const { sqlite, store } = open();
      const migrator = new Migrator({ db: sqlite.db, provider: migrationProvider });
      const { error } = await migrator.migrateTo(version);
      expect(error).toBeUndefined();
      expect(await appliedMigrations(sqlite.db)).toEqual(names.slice(0, i));

      await store.migrate();
      expect(await appliedMigrations(sqlite.db)).toEqual(names);
      expect(await store.load()).toEqual({ sessions: [], pendingApprovals: [], rules: [] });
      await sqlite.close();
      dir.remove();
      dir = tempDir("tether-migrations-");
    }
  });

  it("add the rules table to a database at the previous version, keeping its data", async () => {
    const names = Object.keys(MIGRATIONS).sort();
    const rulesAt = names.indexOf("2026-12-01-rules");
    expect(rulesAt).toBeGreaterThan(0);
    const { sqlite, store } = open();
    const migrator = new Migrator({ db: sqlite.db, provider: migrationProvider });
    expect((await migrator.migrateTo(names[rulesAt - 1]!)).error).toBeUndefined();
    expect(await tables(sqlite.db)).not.toContain("rules");
    // A session with a resolved approval, written as the previous version wrote it.
    await sql`insert into sessions (id, name, kind, agent, state, created_at, updated_at)
      values ('sess_old', 'old', 'external',
              '{"name":"old","type":"external","icon":null,"workspace":null}', 'running', '2026-11-30T00:00:00.000Z',
              '2026-11-30T00:00:00.000Z')`.execute(sqlite.db);

    await store.migrate();

    expect(await tables(sqlite.db)).toContain("rules");
    expect((await store.load()).sessions.map((s) => s.id)).toEqual(["sess_old"]);
    expect(await store.listRules("sess_old")).toEqual([]);
    const rule = {
      id: "rule_1",
      session_id: "sess_old",
      tool: "Bash",
      decision: "allow",
      created_at: "2026-12-01T00:00:00.000Z",
      created_by: "web:phone",
      source_approval_id: "apr_1",
    };
    await sql`insert into rules values (${rule.id}, ${rule.session_id}, ${rule.tool},
      ${rule.decision}, ${rule.created_at}, ${rule.created_by}, ${rule.source_approval_id})`.execute(
      sqlite.db,
    );
    expect(await store.listRules("sess_old")).toEqual([rule]);
    // One rule per tool and session.
    await expect(
      sql`insert into rules values ('rule_2', 'sess_old', 'Bash', 'allow', 'x', 'cli', 'apr_2')`.execute(
        sqlite.db,
      ),
    ).rejects.toThrow(/UNIQUE/);
  });

  it("add risky_options to approvals at the previous version: an old approval has none", async () => {
    const names = Object.keys(MIGRATIONS).sort();
    const riskyAt = names.indexOf("2026-12-01-t-risky-options");
    expect(riskyAt).toBeGreaterThan(0);
    const { sqlite, store } = open();
    const migrator = new Migrator({ db: sqlite.db, provider: migrationProvider });
    expect((await migrator.migrateTo(names[riskyAt - 1]!)).error).toBeUndefined();
    expect(await columns(sqlite.db, "approvals")).not.toContain("risky_options");
    // A pending approval, written as the previous version wrote it.
    await sql`insert into sessions (id, name, kind, agent, state, created_at, updated_at)
      values ('sess_old', 'old', 'external',
              '{"name":"old","type":"external","icon":null,"workspace":null}', 'running',
              '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z')`.execute(sqlite.db);
    await sql`insert into approvals (id, session_id, seq, title, description, options, tool_name,
      tool_input, status, decision, decided_by, created_at, resolved_at)
      values ('apr_old', 'sess_old', 1, 'Push?', '', '["Push","Hold"]', null, null, 'pending',
              null, null, '2026-11-30T00:00:00.000Z', null)`.execute(sqlite.db);

    await store.migrate();

    const [old] = (await store.load()).pendingApprovals;
    expect(old).toMatchObject({ id: "apr_old", options: ["Push", "Hold"], risky_options: [] });
  });

  it("add bridge_users to a database at the previous version: nobody is paired, sessions kept", async () => {
    const names = Object.keys(MIGRATIONS).sort();
    const usersAt = names.indexOf("2026-12-01-v-bridge-users");
    expect(usersAt).toBeGreaterThan(0);
    const { sqlite, store } = open();
    const migrator = new Migrator({ db: sqlite.db, provider: migrationProvider });
    expect((await migrator.migrateTo(names[usersAt - 1]!)).error).toBeUndefined();
    expect(await tables(sqlite.db)).not.toContain("bridge_users");
    await sql`insert into sessions (id, name, kind, agent, state, created_at, updated_at)
      values ('sess_old', 'old', 'external',
              '{"name":"old","type":"external","icon":null,"workspace":null}', 'running',
              '2026-11-30T00:00:00.000Z', '2026-11-30T00:00:00.000Z')`.execute(sqlite.db);

    await store.migrate();

    expect((await store.load()).sessions.map((s) => s.id)).toEqual(["sess_old"]);
    expect(await store.bridgeUsers.list()).toEqual([]);
    const ada = {
      platform: "telegram",
      user_id: "1001",
      name: "@ada",
      paired_at: "2026-12-01T00:00:00.000Z",
    };
    await store.bridgeUsers.add(ada);
    expect(await store.bridgeUsers.list("telegram")).toEqual([ada]);
    // One row per platform and user.
    await expect(
      sql`insert into bridge_users values ('telegram', '1001', 'again', 'x')`.execute(sqlite.db),
    ).rejects.toThrow(/UNIQUE|PRIMARY/);
  });

  it("are named YYYY-MM-DD-<name>, with real dates, and listed in order", () => {
    const names = Object.keys(MIGRATIONS);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const match = /^(\d{4})-(\d{2})-(\d{2})-[a-z0-9]+(-[a-z0-9]+)*$/.exec(name);
      expect(match, `migration ${name} is not named YYYY-MM-DD-<kebab-name>`).not.toBeNull();
      const [, y, m, d] = match!;
      const date = new Date(`${y}-${m}-${d}T00:00:00Z`);
      expect(date.toISOString().slice(0, 10), `migration ${name} has no real date`).toBe(
        `${y}-${m}-${d}`,
      );
    }
    expect(names).toEqual([...names].sort());
  });

  it("are all registered: every migration file is in MIGRATIONS, with up and no way down", async () => {
    const folder = fileURLToPath(new URL("../../src/db/migrations/", import.meta.url));
    const files = readdirSync(folder)
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    expect(Object.keys(MIGRATIONS).sort()).toEqual(files);
    for (const migration of Object.values(MIGRATIONS)) {
      expect(typeof migration.up).toBe("function");
      if (migration.down) {
        await expect(migration.down({} as Kysely<unknown>)).rejects.toThrow(/forward-only/);
      }
    }
  });
});
