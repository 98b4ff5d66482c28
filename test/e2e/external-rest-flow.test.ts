// An agent on the External REST API: create → output → approval → a viewer answers over the
// App API → the agent's long poll receives the decision; human input via long poll.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let t: TestDaemon;
beforeEach(async () => {
  t = await startTestDaemon({ token: "test-token-123-0123456789abcdef0123456789" });
});
afterEach(() => t.close());

async function createSession() {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "Builder", type: "custom", icon: "🤖", workspace: "/repo" },
    session_name: "refactor",
    platform: "telegram",
  });
  expect(res.status).toBe(200);
  return res.body.session_id as string;
}

describe("External Agent API over REST", () => {
  it("creates a session with the original contract's reply shape", async () => {
    const res = await t.api("POST", "/external/sessions", {
      agent_metadata: { name: "Builder", type: "custom", icon: null, workspace: "/repo" },
      session_name: "refactor",
      platform: "slack",
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      session_id: expect.stringMatching(/^sess_/),
      platform: "slack",
      thread_info: null,
    });
    const session = await t.api("GET", `/api/sessions/${res.body.session_id}`);
    expect(session.body).toMatchObject({
      name: "refactor",
      kind: "external",
      state: "created",
      directory: "/repo",
      agent: { name: "Builder", type: "custom", workspace: "/repo" },
    });
  });

  it("delivers a viewer's approval decision to the agent's long poll", async () => {
    const id = await createSession();
    const out = await t.api("POST", `/external/sessions/${id}/output`, {
      text: "Refactoring auth.ts",
      metadata: { kind: "assistant" },
    });
    expect(out.status).toBe(200);
    expect(out.body.seq).toBe(2);

    const ask = await t.api("POST", `/external/sessions/${id}/approval`, {
      title: "Run migrations?",
      description: "npm run migrate",
      options: ["Yes", "No"],
    });
    expect(ask.status).toBe(200);
    const requestId = ask.body.request_id as string;

    const poll = t.api("GET", `/external/sessions/${id}/input?timeout=10`);
    const pending = await t.api("GET", "/api/approvals");
    expect(pending.body.approvals.map((a: { id: string }) => a.id)).toEqual([requestId]);

    const resolved = await t.api("POST", `/api/approvals/${requestId}/resolve`, {
      option: "Yes",
      decided_by: "cli:alice@laptop",
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: "resolved",
      decision: "Yes",
      decided_by: "cli:alice@laptop",
    });

    const got = await poll;
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      type: "approval_response",
      seq: expect.any(Number),
      data: {
        request_id: requestId,
        option: "Yes",
        decided_by: "cli:alice@laptop",
        timestamp: expect.any(String),
      },
    });
    expect((await t.api("GET", "/api/approvals")).body.approvals).toEqual([]);
  });

  it("queues human input until the agent polls, and answers 204 when nothing comes", async () => {
    const id = await createSession();
    const empty = await t.api("GET", `/external/sessions/${id}/input?timeout=0.2`);
    expect(empty.status).toBe(204);

    const sent = await t.api("POST", `/api/sessions/${id}/input`, {
      text: "use pnpm",
      sender: "web:phone",
    });
    expect(sent.status).toBe(200);
    const first = await t.api("GET", `/external/sessions/${id}/input?timeout=5`);
    expect(first.body).toEqual({
      type: "human_input",
      seq: sent.body.seq,
      data: { text: "use pnpm", timestamp: expect.any(String) },
    });
    // Sent once without `after`: it counts as handled, so the next poll waits for new input.
    const again = await t.api("GET", `/external/sessions/${id}/input?timeout=0.2`);
    expect(again.status).toBe(204);
  });

  it("redelivers until acknowledged when the agent passes `after`", async () => {
    const id = await createSession();
    const a = await t.api("POST", `/api/sessions/${id}/input`, { text: "one" });
    const b = await t.api("POST", `/api/sessions/${id}/input`, { text: "two" });
    const first = await t.api("GET", `/external/sessions/${id}/input?timeout=1&after=0`);
    expect(first.body.data.text).toBe("one");
    // Not acknowledged yet (still after=0): the same message again.
    const repeat = await t.api("GET", `/external/sessions/${id}/input?timeout=1&after=0`);
    expect(repeat.body.seq).toBe(a.body.seq);
    const second = await t.api(
      "GET",
      `/external/sessions/${id}/input?timeout=1&after=${a.body.seq}`,
    );
    expect(second.body).toMatchObject({ seq: b.body.seq, data: { text: "two" } });
    const none = await t.api(
      "GET",
      `/external/sessions/${id}/input?timeout=0.2&after=${b.body.seq}`,
    );
    expect(none.status).toBe(204);
    expect((await t.api("GET", `/api/sessions/${id}`)).body.agent_cursor).toBe(b.body.seq);
  });

  it("wakes a waiting long poll the moment input arrives", async () => {
    const id = await createSession();
    const poll = t.api("GET", `/external/sessions/${id}/input?timeout=20`);
    await t.api("POST", `/api/sessions/${id}/input`, { text: "go on" });
    const got = await poll;
    expect(got.body.data.text).toBe("go on");
  });

  it("moves the session through states from the agent's status reports", async () => {
    const id = await createSession();
    const states: string[] = [];
    for (const status of ["thinking", "executing", "done"]) {
      const res = await t.api("POST", `/external/sessions/${id}/status`, { status });
      expect(res.status).toBe(200);
      states.push(res.body.state);
    }
    expect(states).toEqual(["running", "running", "awaiting_input"]);
    await t.api("POST", `/api/sessions/${id}/input`, { text: "next" });
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("running");
    const failed = await t.api("POST", `/external/sessions/${id}/status`, {
      status: "error",
      message: "disk full",
    });
    expect(failed.body.state).toBe("error");
    expect((await t.api("GET", `/api/sessions/${id}`)).body.error).toBe("disk full");
  });
});
