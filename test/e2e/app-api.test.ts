// The App API as the web app, CLI and MCP use it: sessions (create, list, get, rename, delete),
// input and interrupt reaching the agent, pending approvals per session, usage and health.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let t: TestDaemon;
beforeEach(async () => {
  t = await startTestDaemon({ token: "test-token-123-0123456789abcdef0123456789" });
});
afterEach(() => t.close());

async function createSession(body: Record<string, unknown> = {}) {
  const res = await t.api("POST", "/api/sessions", { kind: "external", ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; name: string; state: string };
}

async function eventTypes(id: string): Promise<string[]> {
  const res = await t.api("GET", `/api/sessions/${id}/events`);
  return res.body.events.map((e: { type: string }) => e.type);
}

describe("App API sessions", () => {
  it("creates, lists with filters, finds by prefix, renames and deletes", async () => {
    const a = await createSession({ name: "alpha", directory: "/home/dev/alpha" });
    expect(a).toMatchObject({ name: "alpha", state: "created", kind: "external" });
    const b = await createSession({ name: "beta" });
    await t.api("POST", `/external/sessions/${b.id}/status`, { status: "thinking" });

    const all = await t.api("GET", "/api/sessions");
    expect(all.body.sessions.map((s: { id: string }) => s.id).sort()).toEqual([a.id, b.id].sort());
    const running = await t.api("GET", "/api/sessions?state=running");
    expect(running.body.sessions.map((s: { id: string }) => s.id)).toEqual([b.id]);

    const byPrefix = await t.api("GET", `/api/sessions/${a.id.slice(0, 9)}`);
    expect(byPrefix.body).toMatchObject({ id: a.id, directory: "/home/dev/alpha" });

    const renamed = await t.api("PATCH", `/api/sessions/${a.id}`, { name: "alpha two" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("alpha two");
    expect(await eventTypes(a.id)).toEqual(["state", "renamed"]);

    expect((await t.api("DELETE", `/api/sessions/${a.id}`)).status).toBe(204);
    expect((await t.api("GET", `/api/sessions/${a.id}`)).status).toBe(404);
    expect((await t.api("GET", "/api/sessions")).body.sessions).toHaveLength(1);
  });

  it("queues the prompt given at creation for the agent", async () => {
    const s = await createSession({ prompt: "fix the tests" });
    const poll = await t.api("GET", `/external/sessions/${s.id}/input?timeout=1`);
    expect(poll.body).toMatchObject({ type: "human_input", data: { text: "fix the tests" } });
  });

  it("input wakes a session waiting for the human and reaches the agent", async () => {
    const s = await createSession();
    await t.api("POST", `/external/sessions/${s.id}/status`, { status: "done" });
    expect((await t.api("GET", `/api/sessions/${s.id}`)).body.state).toBe("awaiting_input");

    const sent = await t.api("POST", `/api/sessions/${s.id}/input`, {
      text: "now the docs",
      sender: "web",
    });
    expect(sent.status).toBe(200);
    expect((await t.api("GET", `/api/sessions/${s.id}`)).body.state).toBe("running");
    const poll = await t.api("GET", `/external/sessions/${s.id}/input?timeout=1`);
    expect(poll.body).toMatchObject({
      type: "human_input",
      seq: sent.body.seq,
      data: { text: "now the docs" },
    });
  });

  it("interrupt needs no body, and the agent is told", async () => {
    const s = await createSession();
    await t.api("POST", `/external/sessions/${s.id}/status`, { status: "executing" });

    const res = await fetch(`${t.url}/api/sessions/${s.id}/interrupt`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe("interrupting");
    const poll = await t.api("GET", `/external/sessions/${s.id}/input?timeout=1`);
    expect(poll.body).toMatchObject({ type: "interrupt" });

    // The agent finishing its turn ends the interruption.
    await t.api("POST", `/external/sessions/${s.id}/status`, { status: "done" });
    expect((await t.api("GET", `/api/sessions/${s.id}`)).body.state).toBe("awaiting_input");
  });

  it("start is refused for an external session, which its own agent drives", async () => {
    const s = await createSession();
    const res = await t.api("POST", `/api/sessions/${s.id}/start`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: "not_supported",
      message: expect.stringMatching(/External Agent API/),
    });
  });

  it("lists pending approvals across sessions and per session", async () => {
    const a = await createSession({ name: "a" });
    const b = await createSession({ name: "b" });
    const askA = await t.api("POST", `/external/sessions/${a.id}/approval`, { title: "A?" });
    await t.api("POST", `/external/sessions/${b.id}/approval`, { title: "B?" });

    const all = await t.api("GET", "/api/approvals");
    expect(all.body.approvals.map((x: { title: string }) => x.title).sort()).toEqual(["A?", "B?"]);
    const onlyA = await t.api("GET", `/api/sessions/${a.id}/approvals`);
    expect(onlyA.body.approvals).toEqual([
      expect.objectContaining({ id: askA.body.request_id, title: "A?", status: "pending" }),
    ]);

    await t.api("POST", `/api/approvals/${askA.body.request_id}/resolve`, {
      option: "Reject",
      decided_by: "web",
    });
    expect((await t.api("GET", `/api/sessions/${a.id}/approvals`)).body.approvals).toEqual([]);
    expect((await t.api("GET", "/api/approvals")).body.approvals).toHaveLength(1);
  });

  it("health counts sessions and pending approvals; usage starts at zero", async () => {
    const s = await createSession();
    await t.api("POST", `/external/sessions/${s.id}/approval`, { title: "ok?" });
    const health = await t.api("GET", "/api/health");
    expect(health.body).toMatchObject({ status: "ok", sessions: 1, pending_approvals: 1 });
    const usage = await t.api("GET", "/api/usage");
    expect(usage.body.total).toEqual({ input_tokens: 0, output_tokens: 0, cost_usd: 0 });
  });
});
