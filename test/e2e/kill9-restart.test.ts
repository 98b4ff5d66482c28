// Durability across a crash (DESIGN.md §4): the daemon is killed with SIGKILL in the middle of
// a stream of writes from an agent on the External WebSocket and on REST at once. After a
// restart on the same data dir, everything that was acknowledged (ack frame or 2xx) is there, in
// order, with gapless seqs; a pending approval and a queued human input survive too. SIGTERM
// instead shuts down cleanly, and what was written before is there after the restart.

import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type ApiResponse,
  callApi,
  type SpawnedDaemon,
  useSpawnedDaemons,
} from "../helpers/daemon.js";

const TOKEN = "kill9-test-token-7d1e-0123456789abcdef0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

const spawned = useSpawnedDaemons("tether-kill9-");
const dataDir = () => spawned.dataDir();

async function start(dir: string): Promise<SpawnedDaemon> {
  return spawned.spawn(dir, { TETHER_AGENT_TOKEN: TOKEN });
}

const api = (
  d: SpawnedDaemon,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> => callApi(d.url, TOKEN, method, path, body);

async function createSession(d: SpawnedDaemon, name: string): Promise<string> {
  const res = await api(d, "POST", "/external/sessions", {
    agent_metadata: { name },
    session_name: name,
  });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

interface StoredEventLike {
  seq: number;
  type: string;
  data: { text?: string };
}

async function allEvents(d: SpawnedDaemon, id: string): Promise<StoredEventLike[]> {
  const res = await api(d, "GET", `/api/sessions/${id}/events?since_seq=0&limit=10000`);
  expect(res.status).toBe(200);
  return res.body.events;
}

/** A session with a pending approval and a human input that no agent has taken yet. */
async function leaveWaitingWork(d: SpawnedDaemon) {
  const id = await createSession(d, "waiting");
  const ask = await api(d, "POST", `/external/sessions/${id}/approval`, {
    title: "Deploy to prod?",
    description: "kubectl apply",
  });
  expect(ask.status).toBe(200);
  const input = await api(d, "POST", `/api/sessions/${id}/input`, {
    text: "use the staging cluster first",
    sender: "web:phone",
  });
  expect(input.status).toBe(200);
  return { id, approvalId: ask.body.request_id as string, inputSeq: input.body.seq as number };
}

/** After a restart: the approval is still pending and can be resolved, and the agent's long poll
 * gets the queued input, then the decision, each once. */
async function expectWaitingWorkSurvived(
  d: SpawnedDaemon,
  w: { id: string; approvalId: string; inputSeq: number },
) {
  const pending = await api(d, "GET", "/api/approvals");
  expect(pending.body.approvals.map((a: { id: string }) => a.id)).toContain(w.approvalId);
  expect((await api(d, "GET", `/api/approvals/${w.approvalId}`)).body).toMatchObject({
    status: "pending",
    decision: null,
    title: "Deploy to prod?",
  });
  const resolved = await api(d, "POST", `/api/approvals/${w.approvalId}/resolve`, {
    option: "Approve",
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ status: "resolved", decision: "Approve" });

  const first = await api(d, "GET", `/external/sessions/${w.id}/input?timeout=5`);
  expect(first.status).toBe(200);
  expect(first.body).toEqual({
    type: "human_input",
    seq: w.inputSeq,
    data: { text: "use the staging cluster first", timestamp: expect.any(String) },
  });
  const second = await api(
    d,
    "GET",
    `/external/sessions/${w.id}/input?timeout=5&after=${first.body.seq}`,
  );
  expect(second.status).toBe(200);
  expect(second.body).toMatchObject({
    type: "approval_response",
    data: { request_id: w.approvalId, option: "Approve" },
  });
  expect(second.body.seq).toBeGreaterThan(first.body.seq);
  const none = await api(
    d,
    "GET",
    `/external/sessions/${w.id}/input?timeout=0.2&after=${second.body.seq}`,
  );
  expect(none.status).toBe(204);
}

interface StreamResult {
  /** WebSocket output n → the seq its ack reported. */
  wsAcked: Map<number, number>;
  wsSent: number;
  /** REST output text → the seq its 2xx reported. */
  restAcked: Map<string, number>;
  /** Per REST writer: the texts it sent, in order. */
  restSent: string[][];
  /** Writes sent but not yet answered when the stop was triggered. */
  inFlightAtStop: { ws: number; rest: number };
  unexpected: string[];
}

/**
 * Streams outputs into a session from one External WebSocket (up to WINDOW unacknowledged) and
 * REST_WRITERS parallel REST writers, until `stopAfter` WebSocket acks have arrived while writes
 * of both kinds are still in flight; then calls `stop` (which signals the daemon) right there,
 * in the ack handler. Resolves once every writer has finished (the daemon is gone).
 */
async function streamUntil(
  d: SpawnedDaemon,
  sessionId: string,
  stopAfter: number,
  stop: () => void,
): Promise<StreamResult> {
  const WINDOW = 32;
  const REST_WRITERS = 4;
  const result: StreamResult = {
    wsAcked: new Map(),
    wsSent: 0,
    restAcked: new Map(),
    restSent: Array.from({ length: REST_WRITERS }, () => []),
    inFlightAtStop: { ws: -1, rest: -1 },
    unexpected: [],
  };
  let stopped = false;
  let restInFlight = 0;

  const ws = new WebSocket(`${d.url.replace(/^http/, "ws")}/external/sessions/${sessionId}/ws`, {
    headers: auth,
  });
  const wsClosed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  ws.on("error", () => {
    // The daemon going away mid-stream is the point of the test; "close" follows.
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });

  const sendMore = () => {
    while (
      !stopped &&
      ws.readyState === WebSocket.OPEN &&
      result.wsSent - result.wsAcked.size < WINDOW
    ) {
      const n = result.wsSent++;
      ws.send(
        JSON.stringify({ type: "output", id: String(n), data: { text: `ws ${n}`, metadata: {} } }),
      );
    }
  };
  ws.on("message", (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.type !== "ack" || msg.data?.for !== "output") {
      if (!stopped) result.unexpected.push(`ws: ${raw.toString().slice(0, 200)}`);
      return;
    }
    result.wsAcked.set(Number(msg.id), msg.data.seq);
    const wsInFlight = result.wsSent - result.wsAcked.size;
    if (!stopped && result.wsAcked.size >= stopAfter && wsInFlight > 0 && restInFlight > 0) {
      stopped = true;
      result.inFlightAtStop = { ws: wsInFlight, rest: restInFlight };
      stop();
      return;
    }
    sendMore();
  });

  const restWriter = async (k: number) => {
    for (let i = 0; !stopped; i++) {
      const text = `rest ${k}.${i}`;
      result.restSent[k]!.push(text);
      restInFlight++;
      try {
        const res = await api(d, "POST", `/external/sessions/${sessionId}/output`, {
          text,
          metadata: {},
        });
        if (res.status === 200) result.restAcked.set(text, res.body.seq);
        else if (!stopped) result.unexpected.push(`rest ${res.status}: ${res.text.slice(0, 200)}`);
      } catch (error) {
        // The connection died with the daemon: this write's outcome is unknown.
        if (!stopped) result.unexpected.push(`rest: ${(error as Error).message}`);
        return;
      } finally {
        restInFlight--;
      }
    }
  };

  const writers = Array.from({ length: REST_WRITERS }, (_, k) => restWriter(k));
  sendMore();
  await Promise.all([...writers, wsClosed]);
  return result;
}

/** Everything acknowledged is on disk exactly once, at the seq its ack named; the session's
 * events are gapless 1..N in order; each writer's surviving writes are a prefix of what it sent. */
function expectAckedWritesDurable(events: StoredEventLike[], r: StreamResult) {
  expect(events.length).toBeGreaterThan(0);
  expect(events.length).toBeLessThan(10_000);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events[0]!.type).toBe("state");

  const seqOfText = new Map<string, number>();
  for (const e of events) {
    if (e.type !== "output") continue;
    const text = e.data.text!;
    expect(seqOfText.has(text), `"${text}" stored twice`).toBe(false);
    seqOfText.set(text, e.seq);
  }

  const missing: string[] = [];
  for (const [n, seq] of r.wsAcked) {
    if (seqOfText.get(`ws ${n}`) !== seq) missing.push(`ws ${n} (acked as #${seq})`);
  }
  for (const [text, seq] of r.restAcked) {
    if (seqOfText.get(text) !== seq) missing.push(`${text} (answered #${seq})`);
  }
  expect(missing, "acknowledged writes missing after restart").toEqual([]);

  // One WebSocket's messages are committed in the order sent: what survived is a prefix.
  const wsStored = [...seqOfText.keys()].filter((t) => t.startsWith("ws "));
  expect(wsStored).toEqual(wsStored.map((_, i) => `ws ${i}`));
  expect(wsStored.length).toBeGreaterThanOrEqual(r.wsAcked.size);
  expect(wsStored.length).toBeLessThanOrEqual(r.wsSent);
  // A REST writer waits for each answer: at most its last (unanswered) write is extra.
  for (const sent of r.restSent) {
    const stored = sent.filter((t) => seqOfText.has(t));
    expect(stored).toEqual(sent.slice(0, stored.length));
    const answered = sent.filter((t) => r.restAcked.has(t)).length;
    expect(stored.length - answered).toBeLessThanOrEqual(1);
  }
  return seqOfText;
}

describe("restart after kill -9", () => {
  it("keeps every acknowledged output, in order, and pending approvals and inputs", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const streamed = await createSession(first, "streamer");
    const waiting = await leaveWaitingWork(first);

    const r = await streamUntil(first, streamed, 200, () => first.process.kill("SIGKILL"));
    expect(await first.kill()).toBeNull();
    expect(first.process.signalCode).toBe("SIGKILL");
    expect(r.unexpected).toEqual([]);
    // The kill really landed mid-stream, with writes of both kinds still unanswered.
    expect(r.wsAcked.size).toBeGreaterThanOrEqual(200);
    expect(r.inFlightAtStop.ws).toBeGreaterThan(0);
    expect(r.inFlightAtStop.rest).toBeGreaterThan(0);

    const second = await start(dir);
    const events = await allEvents(second, streamed);
    expectAckedWritesDurable(events, r);

    // The seq counter carries on where the disk left off.
    const session = await api(second, "GET", `/api/sessions/${streamed}`);
    expect(session.body.last_seq).toBe(events.length);
    const next = await api(second, "POST", `/external/sessions/${streamed}/output`, {
      text: "after restart",
    });
    expect(next.status).toBe(200);
    expect(next.body.seq).toBe(events.length + 1);

    await expectWaitingWorkSurvived(second, waiting);
  });
});

describe("SIGTERM", () => {
  it("shuts down cleanly mid-stream with connections open, and keeps what was written", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const streamed = await createSession(first, "streamer");
    const waiting = await leaveWaitingWork(first);
    // An agent long-polling for input when the signal comes.
    const idle = await createSession(first, "idle");
    const poll = api(first, "GET", `/external/sessions/${idle}/input?timeout=60`).then(
      (res) => res.status,
      () => "connection closed",
    );

    let exit!: Promise<number | null>;
    const r = await streamUntil(first, streamed, 100, () => {
      exit = first.kill("SIGTERM");
    });
    expect(await exit).toBe(0);
    expect(first.stderr()).toMatch(/SIGTERM: shutting down/);
    expect(first.stderr()).not.toMatch(/shutdown failed/);
    await poll;

    const second = await start(dir);
    expectAckedWritesDurable(await allEvents(second, streamed), r);
    expect((await api(second, "GET", `/api/sessions/${idle}`)).body).toMatchObject({
      name: "idle",
    });
    await expectWaitingWorkSurvived(second, waiting);

    // And a clean stop of an idle daemon, too.
    expect(await second.kill("SIGTERM")).toBe(0);
  });
});
