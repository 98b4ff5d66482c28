// An agent on the External WebSocket and a viewer on the App WebSocket: the approval round
// trip, human input, acknowledgements, and replay of what a reconnecting agent missed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";

const TOKEN = "ws-test-token-0123456789abcdef0123456789";
let t: TestDaemon;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await t.close();
});

async function open(path: string) {
  const s = await TestSocket.open(`${t.wsUrl}${path}`, { authorization: `Bearer ${TOKEN}` });
  sockets.push(s);
  return s;
}

async function newSession(): Promise<string> {
  const res = await t.api("POST", "/external/sessions", { agent_metadata: { name: "ws-agent" } });
  return res.body.session_id;
}

describe("External Agent API over WebSocket", () => {
  it("acknowledges each output with its seq once committed", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({ type: "output", id: "o1", data: { text: "first" } });
    agent.send({ type: "output", id: "o2", data: { text: "second", metadata: { kind: "tool" } } });
    const a1 = await agent.next((m) => m.id === "o1");
    const a2 = await agent.next((m) => m.id === "o2");
    expect(a1).toEqual({ type: "ack", id: "o1", data: { for: "output", seq: 2 } });
    // The first output moved the session to running (seq 3).
    expect(a2.data.seq).toBe(4);
    const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      "state",
      "output",
      "state",
      "output",
    ]);
    expect(events[3].data).toEqual({ text: "second", metadata: { kind: "tool" } });
  });

  it("carries an approval from the agent to a viewer and the decision back", async () => {
    const id = await newSession();
    const viewer = await open("/api/ws");
    await viewer.next((m) => m.type === "snapshot");
    const agent = await open(`/external/sessions/${id}/ws`);

    agent.send({
      type: "approval_request",
      id: "ask",
      data: { title: "Delete build/?", description: "rm -rf build", options: ["Allow", "Deny"] },
    });
    const ack = await agent.next((m) => m.id === "ask");
    const requestId = ack.data.request_id;
    expect(requestId).toMatch(/^apr_/);

    const seen = await viewer.next((m) => m.type === "event" && m.data.type === "approval_request");
    expect(seen.data.data).toMatchObject({
      id: requestId,
      title: "Delete build/?",
      options: ["Allow", "Deny"],
    });

    viewer.send({
      type: "resolve",
      id: "r1",
      data: { approval_id: requestId, option: "Deny", decided_by: "web:phone" },
    });
    const result = await viewer.next((m) => m.id === "r1");
    expect(result).toMatchObject({
      type: "result",
      data: { status: "resolved", decision: "Deny" },
    });

    const response = await agent.next((m) => m.type === "approval_response");
    // A token caller cannot say it is a web device: decided_by comes from the door.
    expect(response.data).toEqual({
      request_id: requestId,
      option: "Deny",
      decided_by: "api",
      timestamp: expect.any(String),
    });
    await viewer.next((m) => m.type === "event" && m.data.type === "approval_resolved");
  });

  it("delivers human input sent over the App API and over the App WebSocket", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    await t.api("POST", `/api/sessions/${id}/input`, { text: "from rest", sender: "cli:me" });
    const viewer = await open(`/api/sessions/${id}/ws`);
    viewer.send({
      type: "input",
      id: "i1",
      data: { session_id: id, text: "from ws", sender: "web:me" },
    });
    await viewer.next((m) => m.id === "i1" && m.type === "result");
    const first = await agent.next((m) => m.type === "human_input");
    const second = await agent.next((m) => m.type === "human_input");
    expect([first.data.text, second.data.text]).toEqual(["from rest", "from ws"]);
    expect(second.seq).toBeGreaterThan(first.seq);
  });

  it("replays unacknowledged messages to a reconnecting agent, and skips acknowledged ones", async () => {
    const id = await newSession();
    const input = (text: string) => t.api("POST", `/api/sessions/${id}/input`, { text });
    const a = await input("one");
    await input("two");

    const first = await open(`/external/sessions/${id}/ws`);
    const one = await first.next((m) => m.type === "human_input");
    await first.next((m) => m.type === "human_input");
    expect(one.seq).toBe(a.body.seq);
    first.send({ type: "ack", data: { seq: one.seq } });
    // Wait until the daemon has the ack on record before dropping the connection.
    await expectCursor(id, one.seq);
    await first.close();

    await input("three"); // arrives while the agent is away
    const again = await open(`/external/sessions/${id}/ws`);
    const replayed = [
      await again.next((m) => m.type === "human_input"),
      await again.next((m) => m.type === "human_input"),
    ];
    expect(replayed.map((m) => m.data.text)).toEqual(["two", "three"]);

    // Passing since_seq acknowledges up to it: only what comes after is sent.
    await again.close();
    const third = await open(`/external/sessions/${id}/ws?since_seq=${replayed[1].seq}`);
    await input("four");
    const four = await third.next((m) => m.type === "human_input");
    expect(four.data.text).toBe("four");
    expect(third.received.filter((m) => m.type === "human_input")).toEqual([]);
  });

  it("reports status and maps it onto the session state", async () => {
    const id = await newSession();
    const agent = await open(`/external/sessions/${id}/ws`);
    agent.send({ type: "status", id: "s1", data: { status: "thinking" } });
    expect((await agent.next((m) => m.id === "s1")).data).toMatchObject({
      for: "status",
      state: "running",
    });
    agent.send({ type: "status", id: "s2", data: { status: "done" } });
    expect((await agent.next((m) => m.id === "s2")).data.state).toBe("awaiting_input");
  });
});

async function expectCursor(id: string, seq: number) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const s = await t.api("GET", `/api/sessions/${id}`);
    if (s.body.agent_cursor >= seq) return;
    if (Date.now() > deadline) throw new Error(`agent_cursor stayed at ${s.body.agent_cursor}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
