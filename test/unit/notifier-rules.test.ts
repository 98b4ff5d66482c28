// The notifier and session rules: a request a rule answers is committed already resolved, so the
// notifier stays silent without waiting to see whether an answer follows; a request that waits
// for the human is notified as soon as it is committed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { openSqlite } from "../../dist/db/sqlite.js";
import type { TetherNotification } from "../../dist/notify/notification.js";
import { Notifier } from "../../dist/notify/notifier.js";
import { tempDir } from "../helpers/daemon.js";

let dir: ReturnType<typeof tempDir>;
let store: SqlStore;
let engine: Engine;
let notifier: Notifier;
let sent: TetherNotification[];

beforeEach(async () => {
  dir = tempDir("tether-notifier-rules-");
  const sqlite = openSqlite(dir.path);
  store = new SqlStore(sqlite.db, sqlite.close);
  await store.migrate();
  const bus = new LocalBus();
  engine = new Engine({ store, bus });
  await engine.init();
  sent = [];
  notifier = new Notifier({
    bus,
    sessionName: (id) => (engine.listSessions().some((s) => s.id === id) ? "refactor" : undefined),
    dispatch: (n) => sent.push(n),
  });
  notifier.start();
});

afterEach(async () => {
  notifier.stop();
  await engine.drain();
  await store.close();
  dir.remove();
});

const bash = {
  title: "Bash: ls",
  description: "",
  options: ["Allow", "Deny", "Allow Bash for this session"],
  tool_name: "Bash",
  tool_input: { command: "ls" },
};

describe("notifier and session rules", () => {
  it("notifies a waiting request once it is committed, and never one a rule answered", async () => {
    const session = await engine.createSession({ kind: "external" });
    const first = await engine.approvals.ask(session.id, bash);
    // Published before the request's caller is answered, and dispatched at once: no timer.
    expect(sent.map((n) => n.approvalId)).toEqual([first.id]);

    await engine.approvals.resolve(first.id, {
      option: "Allow Bash for this session",
      actor: { kind: "web", device: "phone" },
    });
    const byRule = await engine.approvals.ask(session.id, bash);
    expect(byRule.decided_by).toMatch(/^rule:rule_/);
    const read = await engine.approvals.ask(session.id, { ...bash, tool_name: "Read" });
    await engine.drain();

    // The answer closes the first one's notification; the rule's answer had none to close.
    expect(sent.map((n) => [n.kind, n.approvalId])).toEqual([
      ["approval", first.id],
      ["resolved", first.id],
      ["approval", read.id],
    ]);
  });
});
