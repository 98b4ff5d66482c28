// Approval round trip: an agent asks on the External WebSocket, one inbox viewer on /api/ws sees
// the approval_request event and resolves it, the agent gets approval_response (and acks it).
// Paced: each session asks `ratePerSession` times a second regardless of answers (open loop).
// Closed: each session asks again as soon as it has its answer (capacity).
import type WebSocket from "ws";
import { type CpuUse, cpuMeter } from "../children.js";
import { openMany, openSocket, sleep, terminateAll, until } from "../sockets.js";
import { type Summary, summarize } from "../stats.js";
import type { Target } from "../target.js";

export interface ApprovalOptions {
  sessions: number;
  mode: "paced" | "closed";
  /** Requests per second per session, paced mode only. */
  ratePerSession: number;
  warmupMs: number;
  durationMs: number;
}

export interface ApprovalResult {
  target: string;
  mode: "paced" | "closed";
  sessions: number;
  /** Round trips completed inside the measurement window. */
  completed: number;
  roundTripsPerSecond: number;
  latencyMs: Summary;
  /** Paced only: how late the harness sent each request against its schedule. */
  sendLagMs?: Summary;
  errors: number;
  unfinished: number;
  /** CPU use over the window, % of one core. */
  cpu: CpuUse;
}

const REQUEST = { title: "Run npm test?", options: ["Approve", "Reject"] };

class Agent {
  outstanding = 0;
  private asked = 0;
  private readonly sentAt = new Map<string, number>();
  private readonly byRequest = new Map<string, number>();
  /** Responses that overtook their ack, by request id → arrival time. */
  private readonly early = new Map<string, number>();

  constructor(
    readonly ws: WebSocket,
    private readonly onDone: (agent: Agent, t0: number, t1: number) => void,
    private readonly onError: () => void,
  ) {
    ws.on("message", (raw) => this.receive(raw.toString()));
  }

  ask(): void {
    const id = `q${this.asked++}`;
    this.outstanding++;
    this.sentAt.set(id, performance.now());
    this.ws.send(JSON.stringify({ type: "approval_request", id, data: REQUEST }));
  }

  private receive(raw: string): void {
    const t1 = performance.now();
    const m = JSON.parse(raw);
    if (m.type === "ack" && m.data?.for === "approval_request") {
      const t0 = this.sentAt.get(m.id);
      this.sentAt.delete(m.id);
      if (t0 === undefined) return;
      const arrived = this.early.get(m.data.request_id);
      if (arrived === undefined) this.byRequest.set(m.data.request_id, t0);
      else {
        this.early.delete(m.data.request_id);
        this.finish(t0, arrived);
      }
    } else if (m.type === "approval_response") {
      this.ws.send(JSON.stringify({ type: "ack", data: { seq: m.seq } }));
      const t0 = this.byRequest.get(m.data.request_id);
      if (t0 === undefined) this.early.set(m.data.request_id, t1);
      else {
        this.byRequest.delete(m.data.request_id);
        this.finish(t0, t1);
      }
    } else if (m.type === "error") {
      this.onError();
    }
  }

  private finish(t0: number, t1: number): void {
    this.outstanding--;
    this.onDone(this, t0, t1);
  }
}

/** The inbox viewer: answers every approval_request event it sees. */
async function openViewer(target: Target, onError: () => void): Promise<WebSocket> {
  let resolved = 0;
  let snapshot!: () => void;
  const gotSnapshot = new Promise<void>((resolve) => {
    snapshot = resolve;
  });
  const ws = await openSocket(`${target.wsUrl}/api/ws`, 10_000, (socket) => {
    socket.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === "event" && m.data.type === "approval_request") {
        const answer = { approval_id: m.data.data.id, option: "Approve", decided_by: "bench" };
        socket.send(JSON.stringify({ type: "resolve", id: `r${resolved++}`, data: answer }));
      } else if (m.type === "snapshot") snapshot();
      else if (m.type === "error") onError();
    });
  });
  await gotSnapshot;
  return ws;
}

export async function approvalRoundTrip(
  target: Target,
  options: ApprovalOptions,
): Promise<ApprovalResult> {
  const { sessions, mode, warmupMs, durationMs } = options;
  let errors = 0;
  const onError = () => errors++;
  const ids = await target.createSessions(sessions);
  const viewer = await openViewer(target, onError);

  let running = true;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let completed = 0;
  const latencies: number[] = [];
  const onDone = (agent: Agent, t0: number, t1: number) => {
    if (t1 >= windowStart && t1 < windowEnd) completed++;
    if (t0 >= windowStart && t0 < windowEnd) latencies.push(t1 - t0);
    if (mode === "closed" && running) agent.ask();
  };
  const opened = await openMany((i) => `${target.wsUrl}/external/sessions/${ids[i]}/ws`, sessions, {
    concurrency: 32,
    deadlineMs: 20_000,
  });
  if (opened.failed > 0) {
    terminateAll([viewer, ...opened.sockets]);
    throw new Error(`${opened.failed} agent sockets failed to open: ${opened.firstError}`);
  }
  const agents = opened.sockets.map((ws) => new Agent(ws, onDone, onError));

  const start = performance.now();
  windowStart = start + warmupMs;
  windowEnd = windowStart + durationMs;
  const lags: number[] = [];
  if (mode === "closed") {
    for (const agent of agents) agent.ask();
  } else {
    // Session i asks at start + i·step + k·period: one request every `step` ms overall.
    const period = 1000 / options.ratePerSession;
    const step = period / sessions;
    let k = 0;
    const tick = () => {
      if (!running) return;
      const now = performance.now();
      while (start + k * step <= now) {
        const due = start + k * step;
        if (due >= windowStart && due < windowEnd) lags.push(now - due);
        agents[k % sessions]!.ask();
        k++;
      }
      setTimeout(tick, Math.max(0, start + k * step - performance.now()));
    };
    tick();
  }

  await sleep(warmupMs);
  const meter = cpuMeter(target.pid);
  await sleep(durationMs);
  const cpu = meter();
  running = false;
  await until(() => agents.every((a) => a.outstanding === 0), 5_000);
  const unfinished = agents.reduce((n, a) => n + a.outstanding, 0);
  terminateAll([viewer, ...opened.sockets]);

  return {
    target: target.name,
    mode,
    sessions,
    completed,
    roundTripsPerSecond: completed / (durationMs / 1000),
    latencyMs: summarize(latencies),
    ...(mode === "paced" ? { sendLagMs: summarize(lags) } : {}),
    errors,
    unfinished,
    cpu,
  };
}
