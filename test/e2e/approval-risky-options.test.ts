// Risky options: an agent marks the answers that cannot be taken back (a force-push, a deletion),
// the daemon keeps them with the approval and hands them to every viewer, and refuses a mark that
// names no option of the approval.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";

const TOKEN = "risky-options-token-0123456789abcdef0123456789";
let t: TestDaemon;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});
afterAll(() => t.close());

async function newSession(): Promise<string> {
  const res = await t.api("POST", "/external/sessions", { agent_metadata: { name: "risky" } });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

function ask(sessionId: string, body: unknown) {
  return t.api("POST", `/external/sessions/${sessionId}/approval`, body);
}

describe("risky options", () => {
  it("are accepted, stored and returned by every read of the approval", async () => {
    const id = await newSession();
    const asked = await ask(id, {
      title: "Push to main?",
      options: ["Push", "Force-push", "Cancel"],
      risky_options: ["Force-push"],
    });
    expect(asked.status, asked.text).toBe(200);
    const approvalId = asked.body.request_id;

    const one = await t.api("GET", `/api/approvals/${approvalId}`);
    expect(one.body).toMatchObject({
      options: ["Push", "Force-push", "Cancel"],
      risky_options: ["Force-push"],
    });
    const list = await t.api("GET", `/api/approvals?session_id=${id}`);
    expect(list.body.approvals[0].risky_options).toEqual(["Force-push"]);
    const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
    const request = events.find((e: { type: string }) => e.type === "approval_request");
    expect(request.data.risky_options).toEqual(["Force-push"]);

    // The answer does not change them.
    const resolved = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
      option: "Force-push",
      decided_by: "cli",
    });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ decision: "Force-push", risky_options: ["Force-push"] });
  });

  it("default to none, with the default options too", async () => {
    const id = await newSession();
    const plain = await ask(id, { title: "Go?" });
    expect((await t.api("GET", `/api/approvals/${plain.body.request_id}`)).body).toMatchObject({
      options: ["Approve", "Reject"],
      risky_options: [],
    });
    // A risky mark may name a default option.
    const risky = await ask(id, { title: "Drop it?", risky_options: ["Approve"] });
    expect(risky.status, risky.text).toBe(200);
    const stored = (await t.api("GET", `/api/approvals/${risky.body.request_id}`)).body;
    expect(stored.risky_options).toEqual(["Approve"]);
  });

  it("come through the External WebSocket, and reach a viewer with the approval", async () => {
    const id = await newSession();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const viewer = await TestSocket.open(`${t.wsUrl}/api/ws`, auth);
    sockets.push(viewer);
    await viewer.next((m) => m.type === "snapshot");
    const agent = await TestSocket.open(`${t.wsUrl}/external/sessions/${id}/ws`, auth);
    sockets.push(agent);

    agent.send({
      type: "approval_request",
      id: "ask",
      data: { title: "Delete build/?", options: ["Delete", "Keep"], risky_options: ["Delete"] },
    });
    const ack = await agent.next((m) => m.id === "ask");
    expect(ack.type, JSON.stringify(ack)).toBe("ack");
    const seen = await viewer.next((m) => m.type === "event" && m.data.type === "approval_request");
    expect(seen.data.data).toMatchObject({
      id: ack.data.request_id,
      risky_options: ["Delete"],
    });

    // A mark naming no option is an error frame naming the field, and nothing is asked.
    agent.send({
      type: "approval_request",
      id: "bad",
      data: { title: "Delete?", options: ["Delete", "Keep"], risky_options: ["Nuke"] },
    });
    const refused = await agent.next((m) => m.id === "bad");
    expect(refused.type).toBe("error");
    expect(JSON.stringify(refused), JSON.stringify(refused)).toMatch(/risky_options/);
    const pending = (await t.api("GET", `/api/approvals?session_id=${id}`)).body.approvals;
    expect(pending).toHaveLength(1);
  });

  it("that name no option, or are not a list of names, are a 400 naming the field", async () => {
    const id = await newSession();
    const cases: [unknown, RegExp][] = [
      [{ title: "t", options: ["Yes", "No"], risky_options: ["Maybe"] }, /risky_options/],
      [{ title: "t", risky_options: ["Yes"] }, /risky_options.*not one of options/],
      [{ title: "t", risky_options: "Approve" }, /^body\.risky_options: /],
      [{ title: "t", risky_options: [""] }, /^body\.risky_options/],
      [{ title: "t", risky_options: [7] }, /^body\.risky_options/],
    ];
    for (const [body, says] of cases) {
      const res = await ask(id, body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toMatch(says);
    }
    // Bounded like the options: more than 20 is too large.
    const many = Array.from({ length: 21 }, (_, i) => `o${i}`);
    const tooMany = await ask(id, { title: "t", options: many.slice(0, 20), risky_options: many });
    expect(tooMany.status, tooMany.text).toBe(413);
    expect(tooMany.body.error.message).toMatch(/risky_options/);
    expect((await t.api("GET", `/api/approvals?session_id=${id}`)).body.approvals).toEqual([]);
  });

  it("are in the OpenAPI document, for the request and the approval", async () => {
    const doc = (await t.api("GET", "/api/openapi.json")).body;
    const request =
      doc.paths["/external/sessions/{id}/approval"].post.requestBody.content["application/json"]
        .schema;
    expect(request.properties.risky_options).toMatchObject({
      type: "array",
      description: expect.stringMatching(/confirm/),
    });
    expect(doc.components.schemas.Approval.properties.risky_options).toMatchObject({
      type: "array",
    });
  });
});
