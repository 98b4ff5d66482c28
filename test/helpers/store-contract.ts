// What every Store promises, as tests to run against each implementation: SqlStore on SQLite
// (both commit paths), MemoryStore, and the PostgreSQL store when it comes. Only what the
// interface promises is checked: e.g. the order of load()'s sessions is not.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../dist/core/store.js";
import {
  approval,
  at,
  type BatchParts,
  batchOf,
  bridgeUser,
  contents,
  cursor,
  dataOfChars,
  event,
  input,
  rule,
  session,
  subscription,
  thread,
} from "./store-rows.js";

export interface OpenedStore {
  /** A new, empty store. */
  store: Store;
  /** Closes the store and opens the same data again, as a restart does; the store is then
   * expected to hold everything committed before. */
  reopen?: () => Promise<Store>;
}

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} keeps the Store contract`, () => {
    let opened: OpenedStore;
    let store: Store;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await store.close();
    });

    const commit = (parts: BatchParts) => store.commit(batchOf(parts));

    /** The store after a restart (the same store, for one that cannot be reopened). */
    async function restart(): Promise<Store> {
      if (opened.reopen) store = await opened.reopen();
      return store;
    }

    describe("load", () => {
      it("loads nothing from an empty store", async () => {
        expect(await store.load()).toEqual({ sessions: [], pendingApprovals: [], rules: [] });
      });

      it("gives each session the last_seq and updated_at of its newest event", async () => {
        await commit({
          sessions: [
            session("sess_quiet", { updated_at: at(5), last_seq: 40 }),
            session("sess_busy", { updated_at: at(1), last_seq: 1 }),
            session("sess_touched", { updated_at: at(90) }),
          ],
          events: [event("sess_busy", 1), event("sess_busy", 2), event("sess_touched", 1)],
        });
        await commit({ events: [event("sess_busy", 3, {}, { ts: at(30) })] });

        const check = async (s: Store) => {
          const byId = new Map((await s.load()).sessions.map((x) => [x.id, x]));
          // The last_seq a batch carries is not stored: it is the newest event's.
          expect(byId.get("sess_quiet")).toMatchObject({ last_seq: 0, updated_at: at(5) });
          expect(byId.get("sess_busy")).toMatchObject({ last_seq: 3, updated_at: at(30) });
          // An update newer than the newest event stays.
          expect(byId.get("sess_touched")).toMatchObject({ last_seq: 1, updated_at: at(90) });
        };
        await check(store);
        await check(await restart());
      });

      it("replaces a session written again, keeping when it was created", async () => {
        await commit({ sessions: [session("sess_a", { created_at: at(1), updated_at: at(1) })] });
        const changed = session("sess_a", {
          name: "renamed",
          kind: "claude_auto",
          agent: { name: "Claude", type: "claude", icon: "🤖", workspace: null },
          directory: null,
          platform: "telegram",
          state: "error",
          error: "it broke",
          agent_cursor: 7,
          agent_session_id: "claude-123",
          terminal: {
            transcript_path: "/home/u/.claude/projects/p/claude-123.jsonl",
            pid: 4242,
            process_start: "679789",
            running: true,
          },
          usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.25 },
          created_at: at(50),
          updated_at: at(60),
        });
        await commit({ sessions: [changed] });

        expect((await (await restart()).load()).sessions).toEqual([
          { ...changed, created_at: at(1) },
        ]);
      });

      it("loads the pending approvals newest first, and every session's rules oldest first", async () => {
        await commit({
          sessions: [session("sess_a"), session("sess_b")],
          approvals: [
            approval("apr_1", "sess_a", { created_at: at(1) }),
            approval("apr_3", "sess_b", { created_at: at(3) }),
            approval("apr_2", "sess_a", { created_at: at(2) }),
            approval("apr_done", "sess_a", { created_at: at(4), status: "resolved" }),
          ],
          rules: [
            rule("rule_2", "sess_b", "Bash", at(2)),
            rule("rule_1", "sess_a", "Bash", at(1)),
            rule("rule_3", "sess_a", "Read", at(3)),
          ],
        });

        const loaded = await (await restart()).load();
        expect(loaded.pendingApprovals.map((a) => a.id)).toEqual(["apr_3", "apr_2", "apr_1"]);
        expect(loaded.pendingApprovals[0]).toEqual(
          approval("apr_3", "sess_b", { created_at: at(3) }),
        );
        expect(loaded.rules).toEqual([
          rule("rule_1", "sess_a", "Bash", at(1)),
          rule("rule_2", "sess_b", "Bash", at(2)),
          rule("rule_3", "sess_a", "Read", at(3)),
        ]);
      });
    });

    describe("commit", () => {
      it("writes every kind of row of a batch together", async () => {
        const s = session("sess_a", { state: "running" });
        const e = [event("sess_a", 1), event("sess_a", 2, { text: "two", n: [1, { deep: true }] })];
        const a = approval("apr_a", "sess_a", { seq: 2 });
        const i = input("sess_a", 2);
        const r = rule("rule_a", "sess_a");
        const c = cursor("telegram", "sess_a", 2);
        await commit({
          sessions: [s],
          events: e,
          approvals: [a],
          queued: [i],
          rules: [r],
          cursors: [c],
        });

        const again = await restart();
        expect((await again.load()).sessions).toEqual([{ ...s, last_seq: 2, updated_at: at(2) }]);
        const page = await again.readEvents("sess_a", 0, 10);
        expect(page.events.map((x) => [x.json, x.data])).toEqual(e.map((x) => [x.json, x.data]));
        expect(await again.getApproval("apr_a")).toEqual(a);
        expect(await again.readQueue("sess_a", 0, 10)).toEqual([i]);
        expect(await again.listRules("sess_a")).toEqual([r]);
        expect(await again.readCursors("telegram")).toEqual([c]);
      });

      describe("refuses a whole batch that takes a key it may not, writing nothing", () => {
        /** A store with two sessions (one to delete), and a batch that would change all of it. */
        async function setUp() {
          await commit({
            sessions: [session("sess_s"), session("sess_gone")],
            events: [event("sess_s", 1), event("sess_s", 2), event("sess_gone", 1)],
            approvals: [approval("apr_a", "sess_s")],
            queued: [input("sess_s", 2)],
            rules: [rule("rule_1", "sess_s", "Bash")],
            cursors: [cursor("telegram", "sess_s", 2)],
          });
          await store.pushSubscriptions.upsert(subscription("https://push.example/1"));
          const writesEverything: Required<BatchParts> = {
            sessions: [session("sess_s", { name: "renamed" }), session("sess_new")],
            events: [event("sess_s", 3), event("sess_new", 1)],
            approvals: [
              approval("apr_a", "sess_s", { status: "resolved", decision: "Approve" }),
              approval("apr_b", "sess_new"),
            ],
            queued: [input("sess_s", 3)],
            rules: [rule("rule_2", "sess_new", "Read")],
            cursors: [cursor("telegram", "sess_s", 3), cursor("slack", "sess_new", 1)],
            threads: [thread("telegram", "sess_new", "5")],
            deletedSessions: ["sess_gone"],
          };
          return writesEverything;
        }
        const ids = ["sess_s", "sess_gone", "sess_new"];
        const consumers = ["telegram", "slack"];

        const refusals: [what: string, bad: BatchParts, error: RegExp][] = [
          ["an event seq its session has", { events: [event("sess_s", 2)] }, /constraint/i],
          [
            "an event seq twice in the batch",
            { events: [event("sess_new", 2), event("sess_new", 2)] },
            /constraint/i,
          ],
          ["an input seq its session has", { queued: [input("sess_s", 2)] }, /constraint/i],
          [
            "an input seq twice in the batch",
            { queued: [input("sess_new", 1), input("sess_new", 1)] },
            /constraint/i,
          ],
          [
            "a rule id that is taken",
            { rules: [rule("rule_1", "sess_new", "Grep")] },
            /constraint/i,
          ],
          [
            "a second rule for a session's tool",
            { rules: [rule("rule_3", "sess_s", "Bash")] },
            /constraint/i,
          ],
          [
            "two rules for one tool in the batch",
            { rules: [rule("rule_3", "sess_new", "Grep"), rule("rule_4", "sess_new", "Grep")] },
            /constraint/i,
          ],
          [
            // Inserts come before deletes: a deleted session's seqs are still taken in its batch.
            "a seq of a session the batch deletes",
            { events: [event("sess_gone", 1)] },
            /constraint/i,
          ],
          [
            "a value JSON cannot hold",
            {
              queued: [
                { ...input("sess_new", 5), data: { text: "", timestamp: "", n: 10n } as never },
              ],
            },
            /BigInt/i,
          ],
        ];

        it.each(refusals)("%s", async (_what, bad, error) => {
          const good = await setUp();
          const before = await contents(store, ids, consumers);
          const batch: BatchParts = { ...good };
          for (const [key, rows] of Object.entries(bad) as [keyof BatchParts, never[]][]) {
            batch[key] = [...(good[key] as never[]), ...rows];
          }

          await expect(commit(batch)).rejects.toThrow(error);

          expect(await contents(store, ids, consumers)).toEqual(before);
          // And the store takes the same batch without the bad rows.
          await commit(good);
          const after = await contents(await restart(), ids, consumers);
          expect(after.sessions.map((s) => [s.id, s.name])).toEqual([
            ["sess_new", "name of sess_new"],
            ["sess_s", "renamed"],
          ]);
          expect(after.perSession[0]!.events).toHaveLength(3);
        });
      });

      it("takes the same seqs, tools and consumers in different sessions", async () => {
        await commit({
          sessions: [session("sess_a"), session("sess_b")],
          events: [event("sess_a", 1), event("sess_b", 1)],
          queued: [input("sess_a", 1), input("sess_b", 1)],
          rules: [rule("rule_a", "sess_a", "Bash"), rule("rule_b", "sess_b", "Bash")],
          cursors: [cursor("telegram", "sess_a", 1), cursor("telegram", "sess_b", 1)],
        });
        for (const id of ["sess_a", "sess_b"]) {
          expect((await store.readEvents(id, 0, 10)).events).toHaveLength(1);
          expect(await store.readQueue(id, 0, 10)).toHaveLength(1);
          expect(await store.listRules(id)).toHaveLength(1);
        }
        expect(await store.readCursors("telegram")).toHaveLength(2);
      });

      it("changes only an approval's resolution when it is written again", async () => {
        const asked = approval("apr_a", "sess_a", { seq: 4, created_at: at(4) });
        await commit({ sessions: [session("sess_a")], approvals: [asked] });
        const resolution = {
          status: "resolved",
          decision: "Reject",
          decided_by: "telegram:alice",
          resolved_at: at(9),
        } as const;
        await commit({
          approvals: [
            {
              ...approval("apr_a", "sess_other", { title: "changed", options: ["Other"] }),
              ...resolution,
            },
          ],
        });

        expect(await (await restart()).getApproval("apr_a")).toEqual({ ...asked, ...resolution });
        expect(await store.listApprovals({ status: "pending" })).toEqual([]);
      });

      it("keeps what it was given, however the caller changes those objects later", async () => {
        const s = session("sess_a");
        const e = event("sess_a", 1, { text: "kept" });
        const a = approval("apr_a", "sess_a", { tool_input: { command: "ls" } });
        const i = input("sess_a", 1, "kept");
        const r = rule("rule_a", "sess_a");
        const c = cursor("telegram", "sess_a", 1);
        const sub = subscription("https://push.example/1", { label: "kept" });
        await commit({
          sessions: [s],
          events: [e],
          approvals: [a],
          queued: [i],
          rules: [r],
          cursors: [c],
        });
        await store.pushSubscriptions.upsert(sub);
        const before = await contents(store, ["sess_a"], ["telegram"]);

        s.name = "changed";
        s.usage.cost_usd = 99;
        s.agent.name = "changed";
        (e.data as { text?: string }).text = "changed";
        a.options.push("changed");
        (a.tool_input as { command: string }).command = "rm -rf /";
        (i.data as { text?: string }).text = "changed";
        r.tool = "changed";
        c.seq = 99;
        sub.label = "changed";

        expect(await contents(store, ["sess_a"], ["telegram"])).toEqual(before);
      });

      it("gives copies: changing what was read changes nothing stored", async () => {
        await commit({
          sessions: [session("sess_a")],
          events: [event("sess_a", 1, { text: "kept" })],
          approvals: [approval("apr_a", "sess_a")],
          queued: [input("sess_a", 1, "kept")],
          rules: [rule("rule_a", "sess_a")],
          cursors: [cursor("telegram", "sess_a", 1)],
        });
        await store.pushSubscriptions.upsert(subscription("https://push.example/1"));
        const before = await contents(store, ["sess_a"], ["telegram"]);

        const loaded = await store.load();
        loaded.sessions[0]!.name = "changed";
        loaded.sessions[0]!.usage.input_tokens = 99;
        loaded.pendingApprovals[0]!.options.push("changed");
        loaded.rules[0]!.tool = "changed";
        ((await store.readEvents("sess_a", 0, 10)).events[0]!.data as { text?: string }).text =
          "changed";
        ((await store.readQueue("sess_a", 0, 10))[0]!.data as { text?: string }).text = "changed";
        (await store.getApproval("apr_a"))!.status = "cancelled";
        (await store.listApprovals({ status: "pending" }))[0]!.title = "changed";
        (await store.listRules("sess_a"))[0]!.tool = "changed";
        (await store.readCursors("telegram"))[0]!.seq = 99;
        (await store.pushSubscriptions.list())[0]!.label = "changed";

        expect(await contents(store, ["sess_a"], ["telegram"])).toEqual(before);
      });
    });

    describe("readEvents", () => {
      beforeEach(async () => {
        await commit({
          sessions: [session("sess_a"), session("sess_b")],
          events: [1, 2, 3, 4, 5].map((seq) => event("sess_a", seq)),
        });
        await commit({ events: [event("sess_b", 1)] });
      });
      const seqs = async (after: number, limit: number) => {
        const page = await store.readEvents("sess_a", after, limit);
        return [page.events.map((e) => e.seq), page.hasMore];
      };

      it("reads the events after a seq in seq order, at most limit, saying whether more follow", async () => {
        expect(await seqs(0, 10)).toEqual([[1, 2, 3, 4, 5], false]);
        expect(await seqs(0, 5)).toEqual([[1, 2, 3, 4, 5], false]);
        expect(await seqs(2, 2)).toEqual([[3, 4], true]);
        expect(await seqs(3, 2)).toEqual([[4, 5], false]);
        expect(await seqs(5, 10)).toEqual([[], false]);
        expect(await store.readEvents("sess_nobody", 0, 10)).toEqual({
          events: [],
          hasMore: false,
        });
        expect((await store.readEvents("sess_b", 0, 10)).events.map((e) => e.session_id)).toEqual([
          "sess_b",
        ]);
      });

      it("gives an event back with its wire JSON and its data", async () => {
        const data = { text: "é ✓ 🎉", nested: { list: [1, null, "x"] }, quote: '"' };
        await commit({ events: [event("sess_b", 2, data, { type: "status", ts: at(7) })] });
        const [read] = (await (await restart()).readEvents("sess_b", 1, 10)).events;
        expect(read).toMatchObject({ session_id: "sess_b", seq: 2, ts: at(7), type: "status" });
        expect(read!.data).toEqual(data);
        expect(read!.json).toBe(event("sess_b", 2, data, { type: "status", ts: at(7) }).json);
        expect(JSON.parse(read!.json)).toEqual({ ...read, json: undefined });
      });

      it("ends a page at the event that brings its data to maxChars; the first whatever its size", async () => {
        await commit({
          sessions: [session("sess_sized")],
          events: [100, 10, 10, 10].map((chars, i) =>
            event("sess_sized", i + 1, dataOfChars(chars)),
          ),
        });
        const page = async (after: number, limit: number, maxChars: number) => {
          const p = await store.readEvents("sess_sized", after, limit, maxChars);
          return [p.events.map((e) => e.seq), p.hasMore];
        };
        expect(await page(0, 10, 10)).toEqual([[1], true]);
        expect(await page(1, 10, 5)).toEqual([[2], true]);
        expect(await page(1, 10, 15)).toEqual([[2, 3], true]);
        expect(await page(1, 10, 20)).toEqual([[2, 3], true]);
        expect(await page(1, 10, 21)).toEqual([[2, 3, 4], false]);
        expect(await page(1, 2, 1000)).toEqual([[2, 3], true]);
      });

      it("counts maxChars in characters, an emoji as one", async () => {
        // 12 characters of JSON each, but 16 UTF-16 units.
        const data = { t: "🎉🎉🎉🎉" };
        await commit({
          sessions: [session("sess_emoji")],
          events: [event("sess_emoji", 1, data), event("sess_emoji", 2, data)],
        });
        const p = await store.readEvents("sess_emoji", 0, 10, 13);
        expect(p.events.map((e) => e.seq)).toEqual([1, 2]);
      });
    });

    it("reads queued inputs after a seq in seq order, at most limit", async () => {
      await commit({
        sessions: [session("sess_a"), session("sess_b")],
        queued: [
          input("sess_a", 2, "two"),
          {
            session_id: "sess_a",
            seq: 4,
            type: "approval_response",
            data: { request_id: "apr_a", option: "Approve", decided_by: "cli", timestamp: at(4) },
          },
          { session_id: "sess_a", seq: 6, type: "interrupt", data: { timestamp: at(6) } },
          input("sess_b", 1),
        ],
      });
      const again = await restart();
      const read = async (after: number, limit: number) =>
        (await again.readQueue("sess_a", after, limit)).map((i) => [i.seq, i.type, i.data]);
      expect(await read(0, 10)).toEqual([
        [2, "human_input", input("sess_a", 2, "two").data],
        [
          4,
          "approval_response",
          { request_id: "apr_a", option: "Approve", decided_by: "cli", timestamp: at(4) },
        ],
        [6, "interrupt", { timestamp: at(6) }],
      ]);
      expect((await read(2, 1)).map(([seq]) => seq)).toEqual([4]);
      expect(await read(6, 10)).toEqual([]);
      expect(await again.readQueue("sess_b", 0, 10)).toEqual([input("sess_b", 1)]);
    });

    describe("approvals", () => {
      it("gets an approval by id with every field, or undefined", async () => {
        const plain = approval("apr_q", "sess_a", {
          tool_name: null,
          tool_input: null,
          options: [],
        });
        const tool = approval("apr_t", "sess_a", {
          tool_input: { command: "ls", args: ["-l", 2, true, null], env: {} },
          risky_options: ["Approve"],
          status: "resolved",
          decision: "Approve",
          decided_by: "web:phone",
          resolved_at: at(3),
        });
        await commit({ sessions: [session("sess_a")], approvals: [plain, tool] });
        const again = await restart();
        expect(await again.getApproval("apr_q")).toEqual(plain);
        expect(await again.getApproval("apr_t")).toEqual(tool);
        expect(await again.getApproval("apr_nope")).toBeUndefined();
      });

      it("lists by status and session, newest first: created_at, then id", async () => {
        await commit({
          sessions: [session("sess_a"), session("sess_b")],
          approvals: [
            approval("apr_1", "sess_a", { created_at: at(1) }),
            approval("apr_2b", "sess_b", { created_at: at(2) }),
            approval("apr_2a", "sess_a", { created_at: at(2) }),
            approval("apr_3", "sess_b", { created_at: at(3), status: "cancelled" }),
            approval("apr_4", "sess_a", { created_at: at(4), status: "resolved" }),
          ],
        });
        const ids = async (query: Parameters<Store["listApprovals"]>[0]) =>
          (await store.listApprovals(query)).map((a) => a.id);
        expect(await ids({ status: "pending" })).toEqual(["apr_2b", "apr_2a", "apr_1"]);
        expect(await ids({ status: "pending", sessionId: "sess_a" })).toEqual(["apr_2a", "apr_1"]);
        expect(await ids({ status: "pending", limit: 1 })).toEqual(["apr_2b"]);
        expect(await ids({ status: "cancelled" })).toEqual(["apr_3"]);
        expect(await ids({ status: "resolved", sessionId: "sess_b" })).toEqual([]);
        expect(await ids({ status: "resolved" })).toEqual(["apr_4"]);
      });

      it("pages with before and limit, giving each approval exactly once", async () => {
        const all = [1, 1, 1, 2, 3, 3, 4].map((t, i) =>
          approval(`apr_${i}`, i % 2 ? "sess_a" : "sess_b", { created_at: at(t) }),
        );
        await commit({ sessions: [session("sess_a"), session("sess_b")], approvals: all });
        const newestFirst = await store.listApprovals({ status: "pending" });
        expect(newestFirst.map((a) => a.id)).toEqual([
          "apr_6",
          "apr_5",
          "apr_4",
          "apr_3",
          "apr_2",
          "apr_1",
          "apr_0",
        ]);

        const paged = [];
        let before: { created_at: string; id: string } | undefined;
        for (;;) {
          const page = await store.listApprovals({ status: "pending", limit: 3, before });
          paged.push(...page);
          if (page.length < 3) break;
          const last = page.at(-1)!;
          before = { created_at: last.created_at, id: last.id };
        }
        expect(paged).toEqual(newestFirst);
        // Only older ones: the cursor's own approval is not in the next page.
        const after = await store.listApprovals({
          status: "pending",
          before: { created_at: at(1), id: "apr_1" },
        });
        expect(after.map((a) => a.id)).toEqual(["apr_0"]);
      });
    });

    it("lists a session's rules oldest first: created_at, then id", async () => {
      await commit({
        sessions: [session("sess_a"), session("sess_b")],
        rules: [
          rule("rule_c", "sess_a", "Read", at(1)),
          rule("rule_b", "sess_a", "Bash", at(2)),
          rule("rule_a", "sess_a", "Grep", at(2)),
          rule("rule_other", "sess_b", "Bash", at(0)),
        ],
      });
      const again = await restart();
      expect((await again.listRules("sess_a")).map((r) => r.id)).toEqual([
        "rule_c",
        "rule_a",
        "rule_b",
      ]);
      expect(await again.listRules("sess_b")).toEqual([
        rule("rule_other", "sess_b", "Bash", at(0)),
      ]);
      expect(await again.listRules("sess_nobody")).toEqual([]);
    });

    it("reads a consumer's cursors by session; a cursor only moves forward", async () => {
      await commit({
        sessions: [session("sess_a"), session("sess_b")],
        cursors: [cursor("telegram", "sess_b", 4), cursor("telegram", "sess_a", 2)],
      });
      await commit({ cursors: [cursor("telegram", "sess_a", 5), cursor("slack", "sess_a", 1)] });
      // A late write of an older position changes nothing.
      await commit({ cursors: [cursor("telegram", "sess_b", 3)] });

      const again = await restart();
      expect(await again.readCursors("telegram")).toEqual([
        cursor("telegram", "sess_a", 5),
        cursor("telegram", "sess_b", 4),
      ]);
      expect(await again.readCursors("slack")).toEqual([cursor("slack", "sess_a", 1)]);
      expect(await again.readCursors("discord")).toEqual([]);
    });

    it("reads a platform's threads by session; a later write replaces its id and data", async () => {
      await commit({
        sessions: [session("sess_a"), session("sess_b")],
        threads: [
          thread("telegram", "sess_b", "12", { data: { pinned: 7 } }),
          thread("telegram", "sess_a", "11"),
          thread("slack", "sess_a", "1700000000.000100"),
        ],
      });
      const moved = thread("telegram", "sess_a", "99", {
        data: { pinned: 3, name: "ünïcode 🧵" },
        updated_at: at(5),
      });
      await commit({ threads: [moved] });

      const again = await restart();
      expect(await again.readThreads("telegram")).toEqual([
        moved,
        thread("telegram", "sess_b", "12", { data: { pinned: 7 } }),
      ]);
      expect(await again.readThreads("slack")).toEqual([
        thread("slack", "sess_a", "1700000000.000100"),
      ]);
      expect(await again.readThreads("discord")).toEqual([]);
      // What comes back is a copy: changing it changes nothing stored.
      (await again.readThreads("telegram"))[0]!.data.pinned = 0;
      expect((await again.readThreads("telegram"))[0]!.data).toEqual(moved.data);
    });

    it("keeps push subscriptions: upsert keeps created_at, list oldest first, delete says if it existed", async () => {
      const subs = store.pushSubscriptions;
      await subs.upsert(subscription("https://push.example/b", { created_at: at(2) }));
      await subs.upsert(subscription("https://push.example/a", { created_at: at(1) }));
      const renewed = subscription("https://push.example/b", {
        p256dh: "new key",
        auth: "new auth",
        label: "phone",
        user_agent: "Firefox",
        created_at: at(9),
      });
      await subs.upsert(renewed);

      const again = (await restart()).pushSubscriptions;
      expect(await again.list()).toEqual([
        subscription("https://push.example/a", { created_at: at(1) }),
        { ...renewed, created_at: at(2) },
      ]);
      expect(await again.delete("https://push.example/a")).toBe(true);
      expect(await again.delete("https://push.example/a")).toBe(false);
      expect(await again.delete("https://push.example/never")).toBe(false);
      expect((await again.list()).map((s) => s.endpoint)).toEqual(["https://push.example/b"]);
    });

    it("keeps paired bridge users: add renames but keeps paired_at, list oldest first or by platform, remove says if it existed", async () => {
      const users = store.bridgeUsers;
      await users.add(bridgeUser("telegram", "1002", { paired_at: at(2) }));
      await users.add(bridgeUser("telegram", "1001", { paired_at: at(1) }));
      // The same id on another platform is another user.
      await users.add(bridgeUser("slack", "1001", { name: "ada", paired_at: at(3) }));
      await users.add(bridgeUser("telegram", "1002", { name: "@renamed", paired_at: at(9) }));

      const again = (await restart()).bridgeUsers;
      expect(await again.list()).toEqual([
        bridgeUser("telegram", "1001", { paired_at: at(1) }),
        bridgeUser("telegram", "1002", { name: "@renamed", paired_at: at(2) }),
        bridgeUser("slack", "1001", { name: "ada", paired_at: at(3) }),
      ]);
      expect((await again.list("slack")).map((u) => u.user_id)).toEqual(["1001"]);
      expect(await again.list("discord")).toEqual([]);

      expect(await again.remove("telegram", "1001")).toBe(true);
      expect(await again.remove("telegram", "1001")).toBe(false);
      expect(await again.remove("discord", "1002")).toBe(false);
      expect((await again.list("telegram")).map((u) => u.user_id)).toEqual(["1002"]);
      expect((await again.list("slack")).map((u) => u.user_id)).toEqual(["1001"]);
      // What comes back is a copy.
      (await again.list())[0]!.name = "changed";
      expect((await again.list())[0]!.name).toBe("@renamed");
    });

    describe("deleting a session", () => {
      /** Everything a session can have, for `id`, with seqs and keys that `other` shares. */
      const everything = (id: string): BatchParts => ({
        sessions: [session(id)],
        events: [event(id, 1), event(id, 2)],
        approvals: [
          approval(`apr_pending_${id}`, id),
          approval(`apr_resolved_${id}`, id, { status: "resolved", decision: "Approve" }),
        ],
        queued: [input(id, 2)],
        rules: [rule(`rule_${id}`, id, "Bash")],
        cursors: [cursor("telegram", id, 2)],
        threads: [thread("telegram", id, `topic of ${id}`)],
      });

      it("deletes its events, inputs, approvals, rules, cursors and threads, and nothing of another's", async () => {
        await commit(everything("sess_gone"));
        await commit(everything("sess_kept"));
        const kept = (await contents(store, ["sess_kept"], ["telegram"])).perSession;

        await commit({ deletedSessions: ["sess_gone", "sess_never_was"] });

        const after = await contents(await restart(), ["sess_gone", "sess_kept"], ["telegram"]);
        expect(after.sessions.map((s) => s.id)).toEqual(["sess_kept"]);
        expect(after.perSession[0]).toEqual({
          id: "sess_gone",
          events: [],
          queued: [],
          rules: [],
          approvals: [[], [], []],
        });
        expect(after.perSession[1]).toEqual(kept[0]);
        expect(after.cursors).toEqual([[cursor("telegram", "sess_kept", 2)]]);
        expect(after.threads).toEqual([[thread("telegram", "sess_kept", "topic of sess_kept")]]);
        expect(after.rules.map((r) => r.id)).toEqual(["rule_sess_kept"]);
        expect(after.pendingApprovals.map((a) => a.id)).toEqual(["apr_pending_sess_kept"]);
        expect(await store.getApproval("apr_resolved_sess_gone")).toBeUndefined();

        // Its keys are free again: a session with the same id starts afresh.
        await commit(everything("sess_gone"));
        expect((await store.readEvents("sess_gone", 0, 10)).events).toHaveLength(2);
      });

      it("leaves nothing of what the deleting batch itself wrote for the session", async () => {
        const parts = everything("sess_gone");
        await commit({ ...parts, deletedSessions: ["sess_gone"] });
        const after = await contents(store, ["sess_gone"], ["telegram"]);
        expect(after).toEqual({
          sessions: [],
          pendingApprovals: [],
          rules: [],
          perSession: [
            { id: "sess_gone", events: [], queued: [], rules: [], approvals: [[], [], []] },
          ],
          cursors: [[]],
          threads: [[]],
          pushSubscriptions: [],
        });
      });
    });
  });
}
