// Replay over SSE: one session holding `events` events (seeded over the External WebSocket,
// pipelined), then GET /api/sessions/{id}/stream?since_seq=0 timed from the request to the
// arrival of the last seq.
import { request } from "node:http";
import { openSocket, terminateAll } from "../sockets.js";
import { median } from "../stats.js";
import type { Target } from "../target.js";

export interface ReplayOptions {
  events: number;
  runs: number;
  seedWindow: number;
}

export interface ReplayResult {
  events: number;
  seedSeconds: number;
  seedPerSecond: number;
  /** Seconds from request to the last event, per run. */
  runs: number[];
  medianSeconds: number;
  bytes: number;
  outOfOrder: number;
}

const TEXT = "test/e2e/external-ws-flow.test.ts > replays unacknowledged messages … passed ";

/** Fills the session up to seq `events`: seq 1 is its "created" state event, and the first
 * output moves it to running (one more state event). */
async function seed(target: Target, sessionId: string, events: number, window: number) {
  const outputs = events - 2;
  const ws = await openSocket(`${target.wsUrl}/external/sessions/${sessionId}/ws`);
  let sent = 0;
  let acked = 0;
  let lastSeq = 0;
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      sent++;
      ws.send(JSON.stringify({ type: "output", data: { text: TEXT + sent, metadata: {} } }));
    };
    ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === "error") return reject(new Error(`seed: ${raw.toString()}`));
      if (m.type !== "ack") return;
      acked++;
      lastSeq = Math.max(lastSeq, m.data.seq);
      if (sent < outputs) send();
      else if (acked === outputs) resolve();
    });
    ws.on("close", () => reject(new Error("seed socket closed")));
    for (let k = 0; k < Math.min(window, outputs); k++) send();
  });
  terminateAll([ws]);
  if (lastSeq !== events) throw new Error(`seeded up to seq ${lastSeq}, expected ${events}`);
}

/** One SSE replay; resolves with seconds until seq `last` arrived. */
function replayOnce(
  url: string,
  last: number,
  timeoutMs: number,
): Promise<{ seconds: number; bytes: number; outOfOrder: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let buffer = "";
    let bytes = 0;
    let expected = 1;
    let outOfOrder = 0;
    const req = request(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        return reject(new Error(`SSE: HTTP ${res.statusCode}`));
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        bytes += chunk.length;
        buffer += chunk;
        const end = buffer.lastIndexOf("\n\n");
        if (end < 0) return;
        const complete = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const frame of complete.split("\n\n")) {
          if (!frame.startsWith("id: ")) continue;
          const seq = Number(frame.slice(4, frame.indexOf("\n")));
          if (seq !== expected) outOfOrder++;
          expected = seq + 1;
          if (seq === last) {
            const seconds = (performance.now() - t0) / 1000;
            clearTimeout(timer);
            req.destroy();
            return resolve({ seconds, bytes, outOfOrder });
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(
        new Error(`SSE replay: seq ${last} not seen within ${timeoutMs} ms (at ${expected - 1})`),
      );
    }, timeoutMs);
    req.on("error", (error) => {
      if (!req.destroyed || expected <= last) reject(error);
    });
    req.end();
  });
}

export async function sseReplay(target: Target, options: ReplayOptions): Promise<ReplayResult> {
  const [sessionId] = await target.createSessions(1);
  const t0 = performance.now();
  await seed(target, sessionId!, options.events, options.seedWindow);
  const seedSeconds = (performance.now() - t0) / 1000;
  const url = `${target.url}/api/sessions/${sessionId}/stream?since_seq=0`;
  const runs: number[] = [];
  let bytes = 0;
  let outOfOrder = 0;
  for (let r = 0; r < options.runs; r++) {
    const run = await replayOnce(url, options.events, 20_000);
    runs.push(run.seconds);
    bytes = run.bytes;
    outOfOrder += run.outOfOrder;
  }
  return {
    events: options.events,
    seedSeconds,
    seedPerSecond: (options.events - 1) / seedSeconds,
    runs,
    medianSeconds: median(runs),
    bytes,
    outOfOrder,
  };
}
