// POST /api/sessions/:id/end over the wire: the session is done, its history stays, its pending
// approvals are withdrawn, and an agent Tether runs (the real Claude Code CLI against the fake
// Anthropic API) is stopped, with no process left behind.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useClaudeRig } from "../adapters/claude-rig.js";
import { bash } from "../fakes/anthropic.js";
import { processesMentioning } from "../fakes/support.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "session-end-token-0123456789abcdef0123456789";

const rig = useClaudeRig("tether-session-end-");

async function externalSession(t: TestDaemon): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "my-agent", type: "custom", icon: null, workspace: "/tmp" },
    session_name: "deploy",
    platform: "web",
  });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

async function events(t: TestDaemon, id: string) {
  return (await t.api("GET", `/api/sessions/${id}/events`)).body.events as {
    type: string;
    data: Record<string, unknown>;
  }[];
}

describe("ending a session", () => {
  it("marks it done, keeps its history, withdraws what waits, and refuses input after", async () => {
    const t = await rig.daemon({ token: TOKEN });
    const id = await externalSession(t);
    await t.api("POST", `/external/sessions/${id}/output`, { text: "about to deploy" });
    const asked = await t.api("POST", `/external/sessions/${id}/approval`, { title: "Deploy?" });
    expect(asked.status).toBe(200);

    const ended = await t.api("POST", `/api/sessions/${id}/end`, { by: "cli:alice" });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id, state: "done" });

    const approval = await t.api("GET", `/api/approvals/${asked.body.request_id}`);
    expect(approval.body).toMatchObject({ status: "cancelled" });
    const history = await events(t, id);
    expect(history.map((e) => e.type)).toEqual([
      "state",
      "output",
      "state",
      "approval_request",
      "state",
      "approval_resolved",
    ]);
    expect(history[4]!.data).toMatchObject({ to: "done", reason: "ended by cli:alice" });
    expect(history[5]!.data).toMatchObject({ status: "cancelled", reason: "the session ended" });

    const input = await t.api("POST", `/api/sessions/${id}/input`, { text: "hello?" });
    expect(input.status).toBe(409);
    expect(input.body.error.code).toBe("session_ended");

    // Ending it again changes nothing.
    const again = await t.api("POST", `/api/sessions/${id}/end`);
    expect(again.status).toBe(200);
    expect(again.body.state).toBe("done");
    expect(await events(t, id)).toHaveLength(history.length);
  });

  it("answers a clear 4xx for a session that does not exist or a bad body", async () => {
    const t = await rig.daemon({ token: TOKEN });
    const missing = await t.api("POST", "/api/sessions/sess_nope/end");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("session_not_found");
    const id = await externalSession(t);
    const bad = await t.api("POST", `/api/sessions/${id}/end`, { by: 42 });
    expect(bad.status).toBe(400);
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("created");
    const noToken = await fetch(`${t.url}/api/sessions/${id}/end`, { method: "POST" });
    expect(noToken.status).toBe(401);
  });

  it("stops the agent Tether runs, while it waits for an approval", async () => {
    const target = join(rig.box.workspace, "never.txt");
    rig.fake.when("make a file", bash(`touch ${target}`));
    const t = await rig.daemon({ token: TOKEN });
    const created = await t.api("POST", "/api/sessions", {
      kind: "claude",
      directory: rig.box.workspace,
      prompt: "please make a file",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const approval = await waitFor(
      async () => (await t.api("GET", `/api/sessions/${id}/approvals`)).body.approvals[0],
      { timeoutMs: 20_000, what: "the agent to ask" },
    );
    expect(processesMentioning(rig.box.root).length).toBeGreaterThan(0);

    const ended = await t.api("POST", `/api/sessions/${id}/end`);
    expect(ended.status).toBe(200);
    expect(ended.body.state).toBe("done");

    await waitFor(() => processesMentioning(rig.box.root).length === 0, {
      timeoutMs: 10_000,
      what: "the agent's processes to exit",
    });
    expect((await t.api("GET", `/api/approvals/${approval.id}`)).body.status).toBe("cancelled");
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("done");
    const start = await t.api("POST", `/api/sessions/${id}/start`);
    expect(start.status).toBe(409);
    expect(start.body.error.code).toBe("session_ended");
  });
});
