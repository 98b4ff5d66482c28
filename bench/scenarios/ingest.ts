// Durable ingest: every session's agent streams outputs over the External WebSocket with a
// window of unacknowledged ones in flight; each session is watched by a viewer on
// /api/sessions/{id}/ws and 50 more subscribers follow the inbox on /api/ws. Each agent reports
// "thinking" first and "done" last, so the inbox carries two state changes per session.
import type WebSocket from "ws";
import { type CpuUse, cpuMeter } from "../children.js";
import { SeqCheck } from "../seq-check.js";
import { openMany, sleep, terminateAll, until } from "../sockets.js";
import { type Summary, summarize } from "../stats.js";
import type { Target } from "../target.js";

export interface IngestOptions {
  sessions: number;
  inboxSubscribers: number;
  /** Unacknowledged outputs each agent keeps in flight. */
  window: number;
  warmupMs: number;
  durationMs: number;
}

export interface IngestResult {
  sessions: number;
  inboxSubscribers: number;
  window: number;
  /** Outputs acknowledged (committed) per second inside the window. */
  committedPerSecond: number;
  /** Output events received by the session viewers per second inside the window. */
  deliveredPerSecond: number;
  totalOutputsAcked: number;
  /** output sent → ack received. */
  ackLatencyMs: Summary;
  /** output sent → its event received by the session's viewer. */
  deliveryLatencyMs: Summary;
  viewers: { lost: number; duplicates: number; reordered: number; cutOff: number };
  inbox: { expected: number; received: number; lost: number; reordered: number; cutOff: number };
  errors: number;
  cpu: CpuUse;
}

const TEXT = "compiling src/server/routes/events.ts … ok (12 ms); ".repeat(3);

interface AgentState {
  ws: WebSocket;
  sent: number;
  inFlight: number;
  /** Seq of the session's last event, from the final status ack. */
  finalSeq: number;
  waiter: ((m: { data: { seq: number } }) => void) | undefined;
}

export async function durableIngest(target: Target, options: IngestOptions): Promise<IngestResult> {
  const { sessions, inboxSubscribers, window, warmupMs, durationMs } = options;
  const ids = await target.createSessions(sessions);
  let errors = 0;
  let running = false;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let ackedInWindow = 0;
  let deliveredInWindow = 0;
  let totalAcked = 0;
  const ackLatencies: number[] = [];
  const deliveryLatencies: number[] = [];

  // Session viewers, from the start of each session.
  const checks = ids.map(() => new SeqCheck());
  let viewerCutOffs = 0;
  const viewers = await openMany(
    (i) => `${target.wsUrl}/api/sessions/${ids[i]}/ws?since_seq=0`,
    sessions,
    {
      concurrency: 32,
      setup: (ws, i) =>
        ws.on("message", (raw) => {
          const now = performance.now();
          const m = JSON.parse(raw.toString());
          if (m.type === "event") {
            checks[i]!.add(m.data.seq);
            if (m.data.type === "output") {
              if (now >= windowStart && now < windowEnd) deliveredInWindow++;
              const t = m.data.data.metadata?.t;
              if (typeof t === "number" && t >= windowStart && t < windowEnd)
                deliveryLatencies.push(now - t);
            }
          } else if (m.type === "cutoff") viewerCutOffs++;
          else if (m.type === "error") errors++;
        }),
    },
  );

  // Inbox subscribers: state changes of every session, in seq order per session.
  const inboxState = Array.from({ length: inboxSubscribers }, () => ({
    received: 0,
    reordered: 0,
    cutOff: false,
    last: new Map<string, number>(),
  }));
  const inbox = await openMany(() => `${target.wsUrl}/api/ws`, inboxSubscribers, {
    concurrency: 32,
    setup: (ws, i) =>
      ws.on("message", (raw) => {
        const m = JSON.parse(raw.toString());
        const s = inboxState[i]!;
        if (m.type === "event") {
          s.received++;
          if ((s.last.get(m.data.session_id) ?? 0) >= m.data.seq) s.reordered++;
          s.last.set(m.data.session_id, m.data.seq);
        } else if (m.type === "cutoff") s.cutOff = true;
      }),
  });

  const agents: AgentState[] = [];
  const sendOutput = (a: AgentState) => {
    a.sent++;
    a.inFlight++;
    const t = performance.now();
    a.ws.send(
      JSON.stringify({ type: "output", id: `o${t}`, data: { text: TEXT, metadata: { t } } }),
    );
  };
  const opened = await openMany((i) => `${target.wsUrl}/external/sessions/${ids[i]}/ws`, sessions, {
    concurrency: 32,
    setup: (ws, i) => {
      const a: AgentState = { ws, sent: 0, inFlight: 0, finalSeq: 0, waiter: undefined };
      agents[i] = a;
      ws.on("message", (raw) => {
        const now = performance.now();
        const m = JSON.parse(raw.toString());
        if (m.type === "ack" && m.data.for === "output") {
          a.inFlight--;
          totalAcked++;
          const t = Number(m.id.slice(1));
          if (t >= windowStart && t < windowEnd) ackLatencies.push(now - t);
          if (now >= windowStart && now < windowEnd) ackedInWindow++;
          if (running) sendOutput(a);
        } else if (m.type === "ack") a.waiter?.(m);
        else if (m.type === "error") errors++;
      });
    },
  });
  const everything = [...viewers.sockets, ...inbox.sockets, ...opened.sockets];
  const failed = viewers.failed + inbox.failed + opened.failed;
  if (failed > 0) {
    terminateAll(everything);
    throw new Error(
      `${failed} sockets failed to open: ${viewers.firstError ?? inbox.firstError ?? opened.firstError}`,
    );
  }

  const status = (a: AgentState, value: string) =>
    new Promise<number>((resolve) => {
      a.waiter = (m) => resolve(m.data.seq);
      a.ws.send(JSON.stringify({ type: "status", id: "st", data: { status: value } }));
    });
  await Promise.all(agents.map((a) => status(a, "thinking")));

  running = true;
  const start = performance.now();
  windowStart = start + warmupMs;
  windowEnd = windowStart + durationMs;
  for (const a of agents) for (let k = 0; k < window; k++) sendOutput(a);
  await sleep(warmupMs);
  const meter = cpuMeter(target.pid);
  await sleep(durationMs);
  const cpu = meter();
  running = false;

  await until(() => agents.every((a) => a.inFlight === 0), 10_000);
  const finals = await Promise.all(agents.map((a) => status(a, "done")));
  agents.forEach((a, i) => {
    a.finalSeq = finals[i]!;
  });
  // Viewers and the inbox may still be catching up.
  await until(() => checks.every((c, i) => c.max >= agents[i]!.finalSeq), 15_000, 20);
  const expectedInbox = 2 * sessions;
  await until(() => inboxState.every((s) => s.received >= expectedInbox), 5_000, 20);
  terminateAll(everything);

  const lost = checks.reduce((n, c, i) => n + c.missing(1, agents[i]!.finalSeq), 0);
  const inboxReceived = inboxState.reduce((n, s) => n + s.received, 0);
  return {
    sessions,
    inboxSubscribers,
    window,
    committedPerSecond: ackedInWindow / (durationMs / 1000),
    deliveredPerSecond: deliveredInWindow / (durationMs / 1000),
    totalOutputsAcked: totalAcked,
    ackLatencyMs: summarize(ackLatencies),
    deliveryLatencyMs: summarize(deliveryLatencies),
    viewers: {
      lost,
      duplicates: checks.reduce((n, c) => n + c.duplicates, 0),
      reordered: checks.reduce((n, c) => n + c.reordered, 0),
      cutOff: viewerCutOffs,
    },
    inbox: {
      expected: expectedInbox * inboxSubscribers,
      received: inboxReceived,
      lost: Math.max(0, expectedInbox * inboxSubscribers - inboxReceived),
      reordered: inboxState.reduce((n, s) => n + s.reordered, 0),
      cutOff: inboxState.filter((s) => s.cutOff).length,
    },
    errors,
    cpu,
  };
}
