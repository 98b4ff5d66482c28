// Bad input never hurts the daemon: every mistake a client can make over REST or WebSocket gets
// a 4xx (or an error frame) in the one error shape, saying what was wrong, and the daemon keeps
// serving. No case may produce a 5xx.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADAPTER_NAMES, aliasOf } from "../../dist/shared/kinds.js";
import { type ApiResponse, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { type Message, TestSocket } from "../helpers/socket.js";

const TOKEN = "bad-input-token-0123456789abcdef0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };
// `u` is not in the id alphabet, so no session or approval ever has these ids.
const NO_SESSION = "sess_uuuuuuuuuuuuuuuu";
const NO_APPROVAL = "apr_uuuuuuuuuuuuuuuu";

let t: TestDaemon;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await expectHealthy();
});
afterAll(() => t.close());

async function expectHealthy() {
  const health = await t.api("GET", "/api/health");
  expect(health.status).toBe(200);
  expect(health.body.status).toBe("ok");
}

/** Calls the API and checks the answer is `status` with the one error shape, saying `says`. */
async function expectError(
  request: Promise<ApiResponse>,
  status: number,
  code: string,
  says: RegExp,
): Promise<ApiResponse> {
  const res = await request;
  expect(res.status, res.text).toBe(status);
  expect(res.body, res.text).toBeTypeOf("object");
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toBeTypeOf("string");
  expect(res.body.error.message).toMatch(says);
  for (const key of Object.keys(res.body.error)) {
    expect(["code", "message", "details"]).toContain(key);
  }
  return res;
}

async function newSession(): Promise<string> {
  const res = await t.api("POST", "/external/sessions", { agent_metadata: { name: "bad-input" } });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

async function newApproval(sessionId: string, options?: string[]): Promise<string> {
  const res = await t.api("POST", `/external/sessions/${sessionId}/approval`, {
    title: "Run it?",
    ...(options ? { options } : {}),
  });
  expect(res.status).toBe(200);
  return res.body.request_id;
}

async function open(path: string): Promise<TestSocket> {
  const s = await TestSocket.open(`${t.wsUrl}${path}`, AUTH);
  sockets.push(s);
  return s;
}

const isError = (m: Message) => m.type === "error";

/** Sends `frame` and expects an error frame with `code` saying `says`; the socket stays open. */
async function expectErrorFrame(s: TestSocket, frame: unknown, code: string, says: RegExp) {
  s.send(frame);
  const m = await s.next(isError);
  expect(Object.keys(m).sort()).toEqual(
    typeof m.id === "string" ? ["error", "id", "type"] : ["error", "type"],
  );
  expect(m.error.code).toBe(code);
  expect(m.error.message).toMatch(says);
  expect(s.ws.readyState).toBe(s.ws.OPEN);
  return m;
}

describe("bad REST bodies", () => {
  it("refuses malformed JSON", async () => {
    const id = await newSession();
    await expectError(
      t.api("POST", "/external/sessions", '{"agent_metadata": {'),
      400,
      "invalid_json",
      /not valid JSON/,
    );
    await expectError(
      t.api("POST", `/api/sessions/${id}/input`, "{text: 'hi'}"),
      400,
      "invalid_json",
      /not valid JSON/,
    );
    await expectError(
      t.api("POST", `/external/sessions/${id}/output`, "", { "content-type": "application/json" }),
      400,
      "invalid_json",
      /empty/,
    );
    await expectError(
      t.api("POST", `/external/sessions/${id}/output`, '{"text":"a","__proto__":{"x":1}}'),
      400,
      "invalid_json",
      /JSON/,
    );
  });

  it.each([
    ["an array", "[1, 2]", "array"],
    ["a string", '"hello"', "string"],
    ["a number", "42", "number"],
    ["null", "null", "null"],
  ])("refuses a JSON body that is %s instead of an object", async (_what, body, received) => {
    const id = await newSession();
    const says = new RegExp(`^body: .*expected object, received ${received}`);
    await expectError(t.api("POST", "/external/sessions", body), 400, "validation_failed", says);
    await expectError(
      t.api("POST", `/external/sessions/${id}/output`, body),
      400,
      "validation_failed",
      says,
    );
    await expectError(
      t.api("POST", `/api/sessions/${id}/input`, body),
      400,
      "validation_failed",
      says,
    );
  });

  it("refuses fields of the wrong type, naming the field", async () => {
    const id = await newSession();
    const approvalId = await newApproval(id);
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", `/external/sessions/${id}/output`, { text: 5 }, /^body\.text: .*string.*number/],
      [
        "POST",
        `/external/sessions/${id}/output`,
        { text: "a", metadata: "x" },
        /^body\.metadata: /,
      ],
      [
        "POST",
        `/external/sessions/${id}/approval`,
        { title: "t", options: "Yes" },
        /body\.options/,
      ],
      ["POST", `/external/sessions/${id}/approval`, { title: "t", options: [] }, /body\.options/],
      [
        "POST",
        `/external/sessions/${id}/approval`,
        { title: "t", options: ["A", "A"] },
        /options must be distinct/,
      ],
      [
        "POST",
        `/external/sessions/${id}/status`,
        { status: "napping" },
        /^body\.status: .*thinking/,
      ],
      ["POST", "/external/sessions", { session_name: 7 }, /^body\.session_name: /],
      ["POST", "/external/sessions", { agent_metadata: "me" }, /^body\.agent_metadata: /],
      ["POST", `/api/sessions/${id}/input`, { text: ["hi"] }, /^body\.text: /],
      ["POST", `/api/sessions/${id}/input`, { text: "" }, /^body\.text: /],
      ["PATCH", `/api/sessions/${id}`, { name: "   " }, /^body\.name: /],
      ["POST", `/api/approvals/${approvalId}/resolve`, { option: 1 }, /^body\.option: /],
      ["POST", "/api/sessions", { kind: 3 }, /^body\.kind: /],
    ];
    for (const [method, path, body, says] of cases) {
      await expectError(t.api(method, path, body), 400, "validation_failed", says);
    }
  });

  it("refuses bodies missing required fields, naming the field", async () => {
    const id = await newSession();
    const approvalId = await newApproval(id);
    const cases: [string, unknown, RegExp][] = [
      [`/external/sessions/${id}/approval`, { description: "no title" }, /^body\.title: /],
      [`/external/sessions/${id}/output`, { metadata: {} }, /^body\.text: /],
      [`/external/sessions/${id}/status`, { message: "hi" }, /^body\.status: /],
      [`/api/sessions/${id}/input`, { sender: "web:phone" }, /^body\.text: /],
      [`/api/approvals/${approvalId}/resolve`, { decided_by: "web:phone" }, /^body\.option: /],
    ];
    for (const [path, body, says] of cases) {
      await expectError(t.api("POST", path, body), 400, "validation_failed", says);
    }
    // Nothing was half-done: the approval is still pending.
    expect((await t.api("GET", `/api/approvals/${approvalId}`)).body.status).toBe("pending");
  });

  it("refuses a body over 2 MiB with 413", async () => {
    const id = await newSession();
    const big = "x".repeat(2 * 1024 * 1024 + 1);
    await expectError(
      t.api("POST", `/external/sessions/${id}/output`, { text: big }),
      413,
      "payload_too_large",
      /too large/,
    );
    await expectError(
      t.api("POST", `/api/sessions/${id}/input`, { text: big }),
      413,
      "payload_too_large",
      /too large/,
    );
    // The largest output the field limits allow is fine.
    const ok = await t.api("POST", `/external/sessions/${id}/output`, {
      text: "y".repeat(256 * 1024),
      metadata: { blob: "z".repeat(16 * 1024 - 20) },
    });
    expect(ok.status).toBe(200);
  });

  it("refuses a content type it does not read", async () => {
    const id = await newSession();
    for (const type of ["application/xml", "application/x-www-form-urlencoded", "image/png"]) {
      await expectError(
        t.api("POST", `/external/sessions/${id}/output`, '{"text":"a"}', { "content-type": type }),
        415,
        "unsupported_media_type",
        /application\/json \(content-type was /,
      );
    }
    // text/plain is read as a string, which is not the object the route wants.
    await expectError(
      t.api("POST", `/external/sessions/${id}/output`, '{"text":"a"}', {
        "content-type": "text/plain",
      }),
      400,
      "validation_failed",
      /^body: .*expected object, received string/,
    );
  });
});

describe("unknown ids", () => {
  // A valid request for each route with a session id in its path, so the only thing wrong is
  // the id. A new route without an entry here fails the test below.
  const VALID: Record<string, { body?: unknown; query?: string }> = {
    "GET /api/sessions/:id": {},
    "PATCH /api/sessions/:id": { body: { name: "renamed" } },
    "DELETE /api/sessions/:id": {},
    "POST /api/sessions/:id/start": { body: {} },
    "POST /api/sessions/:id/input": { body: { text: "hi" } },
    "POST /api/sessions/:id/interrupt": { body: {} },
    "POST /api/sessions/:id/end": { body: {} },
    "GET /api/sessions/:id/approvals": {},
    "GET /api/sessions/:id/events": { query: "?since_seq=0" },
    "GET /api/sessions/:id/stream": {},
    "POST /external/sessions/:id/output": { body: { text: "hi" } },
    "POST /external/sessions/:id/approval": { body: { title: "ok?" } },
    "POST /external/sessions/:id/status": { body: { status: "thinking" } },
    "GET /external/sessions/:id/input": { query: "?timeout=0" },
  };

  it("answers 404 session_not_found on every session route", async () => {
    const routes = t.daemon.routes.filter(
      (r) => !r.websocket && /\/sessions\/:id(\/|$)/.test(r.url),
    );
    const keys = routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(keys).toEqual(Object.keys(VALID).sort());
    for (const key of keys) {
      const [method, url] = key.split(" ") as [string, string];
      const { body, query = "" } = VALID[key]!;
      await expectError(
        t.api(method, url.replace(":id", NO_SESSION) + query, body),
        404,
        "session_not_found",
        new RegExp(`no session with id ${NO_SESSION}`),
      );
    }
    await expectError(
      t.api("GET", `/api/approvals?session_id=${NO_SESSION}`),
      404,
      "session_not_found",
      new RegExp(NO_SESSION),
    );
  });

  it("answers 404 approval_not_found for an unknown approval", async () => {
    await expectError(
      t.api("GET", `/api/approvals/${NO_APPROVAL}`),
      404,
      "approval_not_found",
      new RegExp(`no approval with id ${NO_APPROVAL}`),
    );
    await expectError(
      t.api("POST", `/api/approvals/${NO_APPROVAL}/resolve`, { option: "Approve" }),
      404,
      "approval_not_found",
      new RegExp(NO_APPROVAL),
    );
  });

  it("answers an ambiguous id prefix with 409 ambiguous_id", async () => {
    await newSession();
    await newSession();
    await expectError(t.api("GET", "/api/sessions/sess_"), 409, "ambiguous_id", /type more/);
  });

  it("answers an overlong or malformed id in the one error shape", async () => {
    await expectError(
      t.api("GET", `/api/sessions/sess_${"x".repeat(200)}`),
      400,
      "bad_request",
      /max param length/,
    );
    await expectError(
      t.api("GET", "/api/sessions/%E0%A4%A"),
      400,
      "bad_request",
      /not a valid url/,
    );
  });

  it("answers an unknown route with 404 route_not_found naming it", async () => {
    await expectError(
      t.api("GET", "/api/nope?x=1"),
      404,
      "route_not_found",
      /^no route GET \/api\/nope$/,
    );
    await expectError(
      t.api("DELETE", "/api/health"),
      404,
      "route_not_found",
      /no route DELETE \/api\/health/,
    );
    await expectError(
      t.api("POST", "/external/sessions/x/y/z", {}),
      404,
      "route_not_found",
      /\/external\/sessions\/x\/y\/z/,
    );
  });
});

describe("conflicts and bad parameters", () => {
  it("refuses to interrupt a session that is not running, naming both states", async () => {
    const id = await newSession();
    await expectError(
      t.api("POST", `/api/sessions/${id}/interrupt`, {}),
      409,
      "invalid_transition",
      /created.*interrupting/,
    );
    await t.api("POST", `/external/sessions/${id}/status`, { status: "done" });
    await expectError(
      t.api("POST", `/api/sessions/${id}/interrupt`, { by: "web:phone" }),
      409,
      "invalid_transition",
      /awaiting_input.*interrupting/,
    );
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("awaiting_input");
  });

  it.each([
    ["abc", /timeout must be a number of seconds/],
    ["-1", /timeout must be between 0 and 300/],
    ["301", /timeout must be between 0 and 300/],
  ])("refuses the long-poll timeout=%s", async (timeout, says) => {
    const id = await newSession();
    const res = await expectError(
      t.api("GET", `/external/sessions/${id}/input?timeout=${timeout}`),
      400,
      "validation_failed",
      says,
    );
    expect(res.body.error.message).toMatch(/^querystring\.timeout: /);
  });

  it("refuses other bad query parameters, naming them", async () => {
    const id = await newSession();
    const cases: [string, RegExp][] = [
      [`/external/sessions/${id}/input?timeout=1&after=-1`, /^querystring\.after: /],
      [`/api/sessions/${id}/events?limit=0`, /^querystring\.limit: /],
      [`/api/sessions/${id}/events?since_seq=x`, /^querystring\.since_seq: /],
      ["/api/sessions?state=sleeping", /^querystring\.state: .*awaiting_input/],
      ["/api/approvals?status=maybe", /^querystring\.status: .*pending/],
    ];
    for (const [path, says] of cases) {
      await expectError(t.api("GET", path), 400, "validation_failed", says);
    }
    await expectError(
      t.api("GET", `/api/sessions/${id}/stream`, undefined, { "last-event-id": "yesterday" }),
      400,
      "bad_request",
      /Last-Event-ID must be a seq number, got "yesterday"/,
    );
    const unknownKind = await expectError(
      t.api("POST", "/api/sessions", { kind: "nope" }),
      400,
      "bad_request",
      /^unknown session kind "nope"; known kinds: /,
    );
    // Every kind the registry has, as typed: names, aliases, and external.
    const known = unknownKind.body.error.message.split("known kinds: ")[1];
    for (const name of ADAPTER_NAMES) {
      expect(known).toContain(name);
      const alias = aliasOf(name);
      if (alias) expect(known).toContain(`${alias} (${name})`);
    }
    expect(known).toMatch(/, or external$/);
  });

  it("refuses an option the approval does not offer, listing the options", async () => {
    const id = await newSession();
    const approvalId = await newApproval(id, ["Ship", "Wait"]);
    await expectError(
      t.api("POST", `/api/approvals/${approvalId}/resolve`, { option: "Maybe" }),
      400,
      "bad_request",
      /"Maybe" is not an option .*Ship, Wait/,
    );
    expect((await t.api("GET", `/api/approvals/${approvalId}`)).body.status).toBe("pending");
  });

  it("answers the second resolve with 409 naming the winner", async () => {
    const id = await newSession();
    const approvalId = await newApproval(id);
    const [a, b] = await Promise.all([
      t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Approve",
        decided_by: "web:phone",
      }),
      t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "telegram:alice",
      }),
    ]);
    const winner = a.status === 200 ? a : b;
    const loser = a.status === 200 ? b : a;
    expect(winner.status).toBe(200);
    await expectError(
      Promise.resolve(loser),
      409,
      "approval_already_resolved",
      new RegExp(winner.body.decided_by),
    );
    expect(loser.body.error.details.decided_by).toBe(winner.body.decided_by);

    const late = await expectError(
      t.api("POST", `/api/approvals/${approvalId}/resolve`, { option: "Approve", decided_by: "x" }),
      409,
      "approval_already_resolved",
      new RegExp(`by ${winner.body.decided_by} \\(${winner.body.decision}\\)`),
    );
    expect(late.body.error.details).toMatchObject({
      status: "resolved",
      decided_by: winner.body.decided_by,
      decision: winner.body.decision,
    });
  });
});

describe("bad WebSocket messages", () => {
  it("External WS: answers each bad frame with an error frame and stays usable", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);

    await expectErrorFrame(agent, "not json", "invalid_json", /not valid JSON/);
    agent.ws.send(Buffer.from([0xff, 0xfe, 0x00]));
    expect((await agent.next(isError)).error.code).toBe("invalid_json");
    await expectErrorFrame(agent, "42", "validation_failed", /expected object, received number/);
    await expectErrorFrame(agent, "null", "validation_failed", /expected object, received null/);
    await expectErrorFrame(
      agent,
      { type: "dance", data: {} },
      "validation_failed",
      /^type: unknown message type "dance"; expected one of: output, approval_request, status/,
    );
    await expectErrorFrame(
      agent,
      { data: { text: "x" } },
      "validation_failed",
      /^type: missing; expected one of: /,
    );
    await expectErrorFrame(agent, { type: "output" }, "validation_failed", /^data: /);
    await expectErrorFrame(
      agent,
      { type: "output", data: {} },
      "validation_failed",
      /^data\.text: /,
    );
    await expectErrorFrame(
      agent,
      { type: "output", data: { text: 5 } },
      "validation_failed",
      /^data\.text: .*string.*number/,
    );
    await expectErrorFrame(
      agent,
      { type: "approval_request", data: { description: "no title" } },
      "validation_failed",
      /^data\.title: /,
    );
    await expectErrorFrame(
      agent,
      { type: "status", data: { status: "napping" } },
      "validation_failed",
      /^data\.status: /,
    );
    await expectErrorFrame(
      agent,
      { type: "ack", data: { seq: -1 } },
      "validation_failed",
      /^data\.seq: /,
    );
    // The error carries the message's id, so the agent knows which message failed.
    const tagged = await expectErrorFrame(
      agent,
      { type: "output", id: "o-bad", data: {} },
      "validation_failed",
      /data\.text/,
    );
    expect(tagged.id).toBe("o-bad");

    // Still usable: a valid message is acknowledged and recorded.
    agent.send({ type: "output", id: "o-good", data: { text: "still here" } });
    expect(await agent.next((m) => m.id === "o-good")).toEqual({
      type: "ack",
      id: "o-good",
      data: { for: "output", seq: 2 },
    });
    const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
    // The first output also moved the session from created to running.
    expect(events.map((e: { type: string }) => e.type)).toEqual(["state", "output", "state"]);
    expect(agent.received.filter(isError)).toEqual([]);
  });

  it("App session WS: answers each bad frame with an error frame and stays usable", async () => {
    const id = await newSession();
    const viewer = await open(`/api/sessions/${id}/ws`);
    await viewer.next((m) => m.type === "event" && m.data.seq === 1);

    await expectErrorFrame(viewer, "{oops", "invalid_json", /not valid JSON/);
    await expectErrorFrame(
      viewer,
      { type: "approve", data: {} },
      "validation_failed",
      /^type: .*resolve.*input/,
    );
    await expectErrorFrame(
      viewer,
      { type: "resolve", data: { option: "Approve" } },
      "validation_failed",
      /^data\.approval_id: /,
    );
    const noText = await expectErrorFrame(
      viewer,
      { type: "input", id: "i-bad", data: { session_id: id } },
      "validation_failed",
      /^data\.text: /,
    );
    expect(noText.id).toBe("i-bad");
    const unknownApproval = await expectErrorFrame(
      viewer,
      { type: "resolve", id: "r-bad", data: { approval_id: NO_APPROVAL, option: "Approve" } },
      "approval_not_found",
      new RegExp(NO_APPROVAL),
    );
    expect(unknownApproval.id).toBe("r-bad");
    await expectErrorFrame(
      viewer,
      { type: "input", data: { session_id: NO_SESSION, text: "hi" } },
      "session_not_found",
      new RegExp(NO_SESSION),
    );

    viewer.send({ type: "input", id: "i-good", data: { session_id: id, text: "hello" } });
    const result = await viewer.next((m) => m.id === "i-good");
    expect(result).toEqual({ type: "result", id: "i-good", data: { seq: 2 } });
    const event = await viewer.next((m) => m.type === "event" && m.data.seq === 2);
    expect(event.data).toMatchObject({ type: "human_input", data: { text: "hello" } });
  });

  it("App inbox WS: answers each bad frame with an error frame and stays usable", async () => {
    const id = await newSession();
    const approvalId = await newApproval(id);
    const inbox = await open("/api/ws");
    await inbox.next((m) => m.type === "snapshot");

    await expectErrorFrame(inbox, "", "invalid_json", /not valid JSON/);
    await expectErrorFrame(inbox, "[]", "validation_failed", /expected object, received array/);
    await expectErrorFrame(inbox, { type: 7 }, "validation_failed", /^type: /);
    await expectErrorFrame(
      inbox,
      { type: "resolve", data: { approval_id: approvalId } },
      "validation_failed",
      /^data\.option: /,
    );
    await expectErrorFrame(
      inbox,
      { type: "resolve", data: { approval_id: approvalId, option: "Perhaps" } },
      "bad_request",
      /"Perhaps" is not an option .*Approve, Reject/,
    );

    inbox.send({
      type: "resolve",
      id: "r-good",
      data: { approval_id: approvalId, option: "Reject", decided_by: "cli:test" },
    });
    const result = await inbox.next((m) => m.id === "r-good");
    expect(result).toMatchObject({
      type: "result",
      data: { id: approvalId, status: "resolved", decision: "Reject", decided_by: "cli:test" },
    });
    const again = await expectErrorFrame(
      inbox,
      { type: "resolve", id: "r-late", data: { approval_id: approvalId, option: "Approve" } },
      "approval_already_resolved",
      /cli:test/,
    );
    expect(again.id).toBe("r-late");
  });

  it.each([
    ["External", `/external/sessions/${NO_SESSION}/ws`],
    ["App", `/api/sessions/${NO_SESSION}/ws`],
  ])("%s WS to an unknown session: error frame, then close 4404", async (_door, path) => {
    const s = await open(path);
    const closed = await s.closed;
    expect(closed.code).toBe(4404);
    expect(closed.reason).toMatch(/unknown session/);
    expect(s.received).toEqual([
      {
        type: "error",
        error: { code: "session_not_found", message: `no session with id ${NO_SESSION}` },
      },
    ]);
  });

  it("refuses a WebSocket upgrade with a bad since_seq with HTTP 400", async () => {
    const id = await newSession();
    for (const path of [
      `/api/sessions/${id}/ws?since_seq=-1`,
      `/external/sessions/${id}/ws?since_seq=abc`,
    ]) {
      const s = new TestSocket(`${t.wsUrl}${path}`, AUTH);
      await expect(s.opened).rejects.toThrow(/HTTP 400/);
      await s.closed;
    }
  });
});

describe("after all of that", () => {
  it("the daemon still answers /api/health with 200", async () => {
    await expectHealthy();
    const sessions = await t.api("GET", "/api/sessions");
    expect(sessions.status).toBe(200);
    expect(sessions.body.sessions.length).toBeGreaterThan(0);
  });
});
