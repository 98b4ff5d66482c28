// Bounded input (issue 8, findings 6, 11, 12, 13, 22 and the External WebSocket notes): sizes
// answer 413 naming the field, deep nesting 400 before any state changes, full ids on the External
// API, decided_by from the door, replies in order, and a first output that starts the session.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "bounded-input-token-0123456789abcdef0123456789";
let t: TestDaemon;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) await s.close();
  await t.close();
});

async function open(path: string): Promise<TestSocket> {
  const s = await TestSocket.open(`${t.wsUrl}${path}`, { authorization: `Bearer ${TOKEN}` });
  sockets.push(s);
  return s;
}

async function newSession(): Promise<string> {
  return (await t.api("POST", "/external/sessions", { session_name: "b" })).body.session_id;
}

/** `{"a":{"a":…}}` nested `levels` deep, as text (building it as an object would overflow). */
const deepJson = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

describe("sizes", () => {
  it.each([
    ["body.title", 500, "approval", { title: "t".repeat(501) }],
    [
      "body.description",
      65536,
      "approval",
      { title: "ok", description: "d".repeat(64 * 1024 + 1) },
    ],
    [
      "body.tool_input",
      65536,
      "approval",
      { title: "ok", tool_input: { s: "x".repeat(64 * 1024) } },
    ],
    [
      "body.options",
      20,
      "approval",
      { title: "ok", options: Array.from({ length: 21 }, (_, i) => `o${i}`) },
    ],
    ["body.options.0", 200, "approval", { title: "ok", options: ["o".repeat(201), "b"] }],
    ["body.text", 262144, "output", { text: "x".repeat(256 * 1024 + 1) }],
    ["body.metadata", 16384, "output", { text: "x", metadata: { m: "m".repeat(16 * 1024) } }],
  ] as const)(
    "%s over %s is 413 naming the field and the limit",
    async (field, limit, route, body) => {
      const id = await newSession();
      const res = await t.api("POST", `/external/sessions/${id}/${route}`, body);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe("payload_too_large");
      expect(res.body.error.message).toContain(`${field}: is too large: at most ${limit}`);
      // Nothing was recorded.
      expect((await t.api("GET", `/api/sessions/${id}`)).body.last_seq).toBe(1);
    },
  );

  it("human input over 64 KiB is 413", async () => {
    const id = await newSession();
    const res = await t.api("POST", `/api/sessions/${id}/input`, { text: "h".repeat(65537) });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/^body\.text: is too large: at most 65536 characters/);
  });

  it("the External WebSocket answers an oversized message with a 413 error frame and stays open", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({
      type: "approval_request",
      id: "big",
      data: { title: "ok", description: "d".repeat(70_000) },
    });
    const err = await agent.next((m) => m.id === "big");
    expect(err.error).toMatchObject({ code: "payload_too_large" });
    expect(err.error.message).toMatch(/^data\.description: is too large: at most 65536/);
    agent.send({ type: "output", id: "small", data: { text: "fine" } });
    expect((await agent.next((m) => m.id === "small")).type).toBe("ack");
  });

  it("the App WebSocket answers oversized input with a 413 error frame and stays open", async () => {
    const id = await newSession();
    const inbox = await open("/api/ws");
    await inbox.next((m) => m.type === "snapshot");
    inbox.send({ type: "input", id: "big", data: { session_id: id, text: "x".repeat(70_000) } });
    expect((await inbox.next((m) => m.id === "big")).error.code).toBe("payload_too_large");
    inbox.send({ type: "input", id: "ok", data: { session_id: id, text: "hi" } });
    expect((await inbox.next((m) => m.id === "ok")).type).toBe("result");
  });
});

describe("nesting depth", () => {
  it("10,000 levels in tool_input or metadata are 400 with no ghost approval, no seq burned, others unharmed", async () => {
    const id = await newSession();
    const other = await newSession();
    const [approval, output, innocent] = await Promise.all([
      t.api(
        "POST",
        `/external/sessions/${id}/approval`,
        `{"title":"deep","tool_input":${deepJson(10_000)}}`,
      ),
      t.api(
        "POST",
        `/external/sessions/${id}/output`,
        `{"text":"x","metadata":${deepJson(10_000)}}`,
      ),
      t.api("POST", `/external/sessions/${other}/output`, { text: "innocent" }),
    ]);
    for (const res of [approval, output]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("too_deep");
      expect(res.body.error.message).toMatch(/^body is nested too deeply: at most 64 levels/);
    }
    expect(innocent.status).toBe(200);
    expect((await t.api("GET", "/api/approvals")).body.approvals).toEqual([]);
    expect((await t.api("GET", `/api/sessions/${id}`)).body.last_seq).toBe(1);
    const next = await t.api("POST", `/external/sessions/${id}/output`, { text: "after" });
    expect(next.body.seq).toBe(2);
    expect((await t.api("GET", "/api/health")).status).toBe(200);
  });

  it("64 levels are fine; 65 are not", async () => {
    const id = await newSession();
    // The body object is level 1, metadata level 2.
    const ok = await t.api(
      "POST",
      `/external/sessions/${id}/output`,
      `{"text":"x","metadata":${deepJson(62)}}`,
    );
    expect(ok.status).toBe(200);
    const deep = await t.api(
      "POST",
      `/external/sessions/${id}/output`,
      `{"text":"x","metadata":${deepJson(64)}}`,
    );
    expect(deep.status).toBe(400);
  });

  it("a deep WebSocket message gets an error frame; the socket stays usable", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send(`{"type":"output","id":"d","data":{"text":"x","metadata":${deepJson(10_000)}}}`);
    expect((await agent.next((m) => m.type === "error")).error.code).toBe("too_deep");
    agent.send({ type: "output", id: "ok", data: { text: "fine" } });
    expect(await agent.next((m) => m.id === "ok")).toMatchObject({ type: "ack", data: { seq: 2 } });
  });
});

describe("External API ids", () => {
  it("accepts only full session ids", async () => {
    const id = await newSession();
    const prefix = id.slice(0, 10);
    for (const [method, path, body] of [
      ["POST", `/external/sessions/${prefix}/output`, { text: "x" }],
      ["POST", `/external/sessions/${prefix}/approval`, { title: "x" }],
      ["POST", `/external/sessions/${prefix}/status`, { status: "thinking" }],
      ["GET", `/external/sessions/${prefix}/input?timeout=0`, undefined],
    ] as const) {
      const res = await t.api(method, path, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("session_not_found");
    }
    const ws = await open(`/external/sessions/${prefix}/ws`);
    expect((await ws.closed).code).toBe(4404);
    // The App API keeps prefixes for the CLI.
    expect((await t.api("GET", `/api/sessions/${prefix}`)).body.id).toBe(id);
  });
});

describe("External WebSocket replies", () => {
  it("acks three statuses sent back to back each with its own seq and state, in order", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({ type: "status", id: "s1", data: { status: "thinking" } });
    agent.send({ type: "status", id: "s2", data: { status: "done" } });
    agent.send({ type: "status", id: "s3", data: { status: "error", message: "boom" } });
    const acks = [];
    while (acks.length < 3) acks.push(await agent.next((m) => m.type === "ack"));
    // created(1); s1: status(2), running(3); s2: status(4), awaiting_input(5); s3: status(6), error(7)
    expect(acks.map((a) => [a.id, a.data.seq, a.data.state])).toEqual([
      ["s1", 3, "running"],
      ["s2", 5, "awaiting_input"],
      ["s3", 7, "error"],
    ]);
  });

  it("an error for a later message never overtakes the ack of an earlier one", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({ type: "output", id: "m1", data: { text: "one" } });
    agent.send({ type: "output", id: "m2", data: { text: "two" } });
    agent.send({ type: "output", id: "m3", data: {} });
    await waitFor(() => agent.received.length >= 3, { what: "three replies" });
    expect(agent.received.map((m) => [m.id, m.type])).toEqual([
      ["m1", "ack"],
      ["m2", "ack"],
      ["m3", "error"],
    ]);
  });
});

describe("created → running", () => {
  it("the first output over REST moves a created session to running, in the same commit", async () => {
    const id = await newSession();
    const out = await t.api("POST", `/external/sessions/${id}/output`, { text: "hello" });
    expect(out.body.seq).toBe(2);
    const session = (await t.api("GET", `/api/sessions/${id}`)).body;
    expect(session.state).toBe("running");
    const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(["state", "output", "state"]);
    expect(events[2].data).toMatchObject({ from: "created", to: "running" });
  });

  it("the first approval over the WebSocket does the same", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({ type: "approval_request", id: "a", data: { title: "go?" } });
    expect((await agent.next((m) => m.id === "a")).data.seq).toBe(2);
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("running");
  });
});

describe("decided_by", () => {
  async function pending(): Promise<string> {
    const id = await newSession();
    return (await t.api("POST", `/external/sessions/${id}/approval`, { title: "ok?" })).body
      .request_id;
  }

  it.each([
    ["cli:alice@laptop", "cli:alice@laptop"],
    ["mcp", "mcp"],
    ["api:ci", "api:ci"],
    ["web:phone", "api"],
    ["policy:auto", "api"],
    ["telegram:bob", "api"],
    ["cli:has space", "api"],
    [undefined, "api"],
  ])("a token caller saying %s is recorded as %s", async (claimed, recorded) => {
    const approvalId = await pending();
    const res = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
      option: "Approve",
      ...(claimed === undefined ? {} : { decided_by: claimed }),
    });
    expect(res.body.decided_by).toBe(recorded);
  });

  it("the App WebSocket applies the same rule", async () => {
    const approvalId = await pending();
    const inbox = await open("/api/ws");
    await inbox.next((m) => m.type === "snapshot");
    inbox.send({
      type: "resolve",
      id: "r",
      data: { approval_id: approvalId, option: "Approve", decided_by: "rule:x" },
    });
    expect((await inbox.next((m) => m.id === "r")).data.decided_by).toBe("api");
  });
});
