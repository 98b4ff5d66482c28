// Every stream resumes: SSE honours Last-Event-ID and since_seq, the App WebSocket takes
// since_seq, and after the replay the stream carries on live without gaps or repeats.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";
import { SseClient } from "../helpers/sse.js";

const TOKEN = "stream-token-0123456789abcdef0123456789";
let t: TestDaemon;
const closers: Array<() => unknown> = [];

beforeEach(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await t.close();
});

function sse(path: string, headers: Record<string, string> = {}) {
  const client = new SseClient(`${t.url}${path}`, { authorization: `Bearer ${TOKEN}`, ...headers });
  closers.push(() => client.close());
  return client;
}

async function sessionWithOutputs(n: number): Promise<string> {
  const id = (await t.api("POST", "/external/sessions", { session_name: "s" })).body.session_id;
  for (let i = 1; i <= n; i++) {
    await t.api("POST", `/external/sessions/${id}/output`, { text: `line ${i}` });
  }
  return id;
}

const seqs = (frames: { id?: string }[]) => frames.filter((f) => f.id).map((f) => Number(f.id));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("event streams", () => {
  it("SSE replays everything, then follows live", async () => {
    // seq 1 = created, 2 = the first output, 3 = running (on that output), 4..7 = outputs
    const id = await sessionWithOutputs(5);
    const stream = sse(`/api/sessions/${id}/stream`);
    expect(await stream.status).toBe(200);
    await stream.waitFor((f) => seqs(f).length === 7);
    await t.api("POST", `/external/sessions/${id}/output`, { text: "live" });
    const frames = await stream.waitFor((f) => seqs(f).length === 8);
    expect(seqs(frames)).toEqual(range(1, 8));
    expect(frames.at(-1)?.data).toMatchObject({
      session_id: id,
      seq: 8,
      type: "output",
      data: { text: "live" },
    });
  });

  it("SSE resumes after Last-Event-ID, and since_seq does the same", async () => {
    const id = await sessionWithOutputs(6);
    const byHeader = sse(`/api/sessions/${id}/stream`, { "last-event-id": "4" });
    expect(seqs(await byHeader.waitFor((f) => seqs(f).length === 4))).toEqual([5, 6, 7, 8]);
    const byQuery = sse(`/api/sessions/${id}/stream?since_seq=7`);
    expect(seqs(await byQuery.waitFor((f) => seqs(f).length === 1))).toEqual([8]);
  });

  it("a stream that reconnects shows exactly what it missed", async () => {
    const id = await sessionWithOutputs(2);
    const first = sse(`/api/sessions/${id}/stream`);
    const seen = seqs(await first.waitFor((f) => seqs(f).length === 4));
    first.close();
    for (let i = 0; i < 4; i++)
      await t.api("POST", `/external/sessions/${id}/output`, { text: `missed ${i}` });
    const again = sse(`/api/sessions/${id}/stream`, { "last-event-id": String(seen.at(-1)) });
    const frames = await again.waitFor((f) => seqs(f).length === 4);
    expect(seqs(frames)).toEqual([5, 6, 7, 8]);
    expect(frames.map((f) => f.data.data.text)).toEqual([
      "missed 0",
      "missed 1",
      "missed 2",
      "missed 3",
    ]);
  });

  it("the App WebSocket replays after since_seq with no gap while writes continue", async () => {
    const id = await sessionWithOutputs(3);
    const writes = Promise.all(
      range(1, 20).map((i) => t.api("POST", `/external/sessions/${id}/output`, { text: `w${i}` })),
    );
    const ws = await TestSocket.open(`${t.wsUrl}/api/sessions/${id}/ws?since_seq=2`, {
      authorization: `Bearer ${TOKEN}`,
    });
    closers.push(() => ws.close());
    await writes;
    const got: number[] = [];
    while (got.length < 23) got.push((await ws.next((m) => m.type === "event")).data.seq);
    expect(got).toEqual(range(3, 25));
  });

  it("the inbox SSE starts with a snapshot, then carries approvals and state changes of all sessions", async () => {
    const a = await sessionWithOutputs(0);
    const inbox = sse("/api/stream");
    const [snapshot] = await inbox.waitFor((f) => f.length >= 1);
    expect(snapshot?.event).toBe("snapshot");
    expect(snapshot?.data.sessions.map((s: { id: string }) => s.id)).toEqual([a]);

    await t.api("POST", `/external/sessions/${a}/output`, { text: "not for the inbox" });
    const ask = await t.api("POST", `/external/sessions/${a}/approval`, { title: "ok?" });
    const b = (await t.api("POST", "/external/sessions", { session_name: "b" })).body.session_id;
    const frames = await inbox.waitFor((f) => f.length >= 4);
    // The first output moved a to running; b was created.
    expect(frames.slice(1).map((f) => [f.data.session_id, f.data.type])).toEqual([
      [a, "state"],
      [a, "approval_request"],
      [b, "state"],
    ]);
    expect(frames[2]?.data.data.id).toBe(ask.body.request_id);
  });

  it("a page of events can be read with since_seq and limit", async () => {
    const id = await sessionWithOutputs(10);
    const page = await t.api("GET", `/api/sessions/${id}/events?since_seq=3&limit=4`);
    expect(page.status).toBe(200);
    expect(page.body.events.map((e: { seq: number }) => e.seq)).toEqual([4, 5, 6, 7]);
  });
});
