// The same checks of every tool, run over stdio and over Streamable HTTP.
import { expect } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";
import type { Connected } from "./mcp-client.js";

export const TOOL_NAMES = [
  "await_approval",
  "create_session",
  "get_session",
  "interrupt",
  "list_approvals",
  "list_sessions",
  "request_approval",
  "resolve_approval",
  "send_input",
  "send_output",
  "start_session",
  "wait_for_input",
];

export async function listsEveryToolWithDescribedArguments(mcp: Connected) {
  const { tools } = await mcp.client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
  for (const tool of tools) {
    expect(tool.description, tool.name).toBeTruthy();
    const props = (tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
    for (const [name, schema] of Object.entries(props)) {
      // An object argument (agent_metadata) describes its fields; the rest describe themselves.
      expect(schema.description, `${tool.name}.${name}`).toBeTruthy();
    }
  }
  const approval = tools.find((t) => t.name === "request_approval")!;
  expect(Object.keys(approval.inputSchema.properties ?? {}).sort()).toEqual(
    ["description", "options", "risky_options", "session_id", "timeout_seconds", "title"].sort(),
  );
  expect(approval.inputSchema.required).toEqual(["title"]);
}

/** The agent tools end to end: an approval asked through MCP and answered over the App API. */
/** Over stdio, agent tools default to the session create_session opened; a stateless HTTP server
 * has no connection to remember it in, so the id is passed. */
export interface Mode {
  stateless?: boolean;
}

export async function approvalAnsweredOverAppApi(mcp: Connected, t: TestDaemon, mode: Mode = {}) {
  const created = await mcp.call("create_session", {
    session_name: "mcp agent",
    agent_metadata: { name: "mcp-test", type: "custom", icon: null, workspace: "/tmp" },
  });
  expect(created.isError, created.text).toBe(false);
  const sessionId: string = created.json.session_id;
  expect(sessionId).toMatch(/^sess_/);
  const sid = mode.stateless ? { session_id: sessionId } : {};

  const out = await mcp.call("send_output", { ...sid, text: "Reading src/auth.ts" });
  expect(out.json).toMatchObject({ ok: true });

  const asked = mcp.call("request_approval", {
    ...sid,
    title: "Run the migration?",
    description: "ALTER TABLE users",
    options: ["Yes", "No"],
    risky_options: ["Yes"],
    timeout_seconds: 20,
  });
  const pending = await waitFor(
    async () => (await t.api("GET", `/api/approvals?session_id=${sessionId}`)).body.approvals[0],
    { what: "the approval to appear in Tether" },
  );
  expect(pending).toMatchObject({
    title: "Run the migration?",
    options: ["Yes", "No"],
    risky_options: ["Yes"],
  });
  // Human input that arrives while the approval waits is not lost: wait_for_input gets it.
  await t.api("POST", `/api/sessions/${sessionId}/input`, { text: "use staging", sender: "web" });
  const resolved = await t.api("POST", `/api/approvals/${pending.id}/resolve`, {
    option: "Yes",
    decided_by: "cli:phone",
  });
  expect(resolved.status).toBe(200);
  const answer = await asked;
  expect(answer.isError, answer.text).toBe(false);
  expect(answer.json).toMatchObject({ status: "resolved", option: "Yes", decided_by: "cli:phone" });

  const input = await mcp.call("wait_for_input", { session_id: sessionId, timeout_seconds: 5 });
  expect(input.json).toEqual({ type: "human_input", text: "use staging" });

  const events = (await t.api("GET", `/api/sessions/${sessionId}/events`)).body.events;
  expect(events.map((e: { type: string }) => e.type)).toEqual(
    expect.arrayContaining(["output", "approval_request", "approval_resolved", "human_input"]),
  );
  return sessionId;
}

/** A wait that runs out is a result, not an error, and the approval stays answerable. */
export async function approvalTimeoutStaysAnswerable(
  mcp: Connected,
  t: TestDaemon,
  mode: Mode = {},
) {
  const created = await mcp.call("create_session", { session_name: "slow human" });
  const sid = mode.stateless ? { session_id: created.json.session_id } : {};
  const timedOut = await mcp.call("request_approval", {
    ...sid,
    title: "Deploy?",
    timeout_seconds: 0.3,
  });
  expect(timedOut.isError, timedOut.text).toBe(false);
  expect(timedOut.json).toMatchObject({ status: "pending" });
  expect(timedOut.json.message).toMatch(/still open/);
  const id: string = timedOut.json.approval_id;

  const none = await mcp.call("wait_for_input", { ...sid, timeout_seconds: 0.3 });
  expect(none.json).toMatchObject({ type: "none" });

  const later = mcp.call("await_approval", { approval_id: id, timeout_seconds: 20 });
  await t.api("POST", `/api/approvals/${id}/resolve`, { option: "Approve", decided_by: "cli" });
  expect((await later).json).toMatchObject({ status: "resolved", option: "Approve" });
}

/** The orchestrator tools against an external session (no agent process needed). */
export async function orchestratorTools(mcp: Connected, t: TestDaemon) {
  const started = await mcp.call("start_session", { kind: "external", name: "orchestrated" });
  expect(started.isError, started.text).toBe(false);
  const id: string = started.json.id;
  expect(started.json).toMatchObject({ name: "orchestrated", kind: "external" });

  const listed = await mcp.call("list_sessions", { kind: "external" });
  expect(listed.json.sessions.map((s: { id: string }) => s.id)).toContain(id);

  const sent = await mcp.call("send_input", { session_id: id, text: "hello agent" });
  expect(sent.json.seq).toBeGreaterThan(0);

  const approval = await t.api("POST", `/external/sessions/${id}/approval`, { title: "Ship?" });
  const approvals = await mcp.call("list_approvals", { session_id: id });
  expect(approvals.json.approvals.map((a: { id: string }) => a.id)).toEqual([
    approval.body.request_id,
  ]);
  const resolved = await mcp.call("resolve_approval", {
    approval_id: approval.body.request_id,
    option: "Reject",
    message: "not on a Friday",
  });
  expect(resolved.json).toMatchObject({
    status: "resolved",
    decision: "Reject",
    decided_by: "mcp",
  });
  const again = await mcp.call("resolve_approval", {
    approval_id: approval.body.request_id,
    option: "Approve",
  });
  expect(again.isError).toBe(true);
  expect(again.text).toMatch(/409/);

  const got = await mcp.call("get_session", { session_id: id.slice(0, 12), events: 3 });
  expect(got.json.session.id).toBe(id);
  expect(got.json.events).toHaveLength(3);
  expect(got.json.events.at(-1).type).toBe("approval_resolved");
  expect(got.json.events.at(-1).seq).toBe(got.json.session.last_seq);

  // Only a running turn can be interrupted: the session's agent says it is working.
  await t.api("POST", `/external/sessions/${id}/status`, { status: "thinking" });
  const interrupted = await mcp.call("interrupt", { session_id: id });
  expect(interrupted.isError, interrupted.text).toBe(false);
  const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
  expect(events.some((e: { type: string }) => e.type === "interrupt")).toBe(true);
}

export async function badArgumentsAreToolErrors(mcp: Connected) {
  const missing = await mcp.call("request_approval", { description: "no title" });
  expect(missing.isError).toBe(true);
  expect(missing.text).toMatch(/title/);
  const wrongType = await mcp.call("get_session", { session_id: 42 });
  expect(wrongType.isError).toBe(true);
  const unknown = await mcp.call("get_session", { session_id: "sess_nope" });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toMatch(/404/);
  const noSession = await mcp.call("send_output", { text: "who am I?" });
  expect(noSession.isError).toBe(true);
  expect(noSession.text).toMatch(/create_session/);
}
