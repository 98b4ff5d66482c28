// What the benches of the chat bridges (scenarios/telegram.ts, scenarios/slack.ts) share: the
// daemon started against a platform's fake, agents on the External REST API that ask and long
// poll, paced approvals timed the whole way, an output burst and its check (every output shown
// once, in order), and start-up with the bridge beside without it. What is the platform's own —
// how its messages, buttons and calls look at its fake — each scenario passes in.
import { waitFor } from "../test/helpers/wait.js";
import { type CpuUse, cpuMeter } from "./children.js";
import { startDaemon } from "./daemon.js";
import { type StartupOptions, type StartupResult, startup } from "./scenarios/startup.js";
import { sleep } from "./sockets.js";
import { median, type Summary, summarize } from "./stats.js";
import type { Target } from "./target.js";

/** How long one step may take before it counts as lost. */
export const STEP_TIMEOUT_MS = 15_000;
export const BURST_TIMEOUT_MS = 45_000;

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field
type Json = any;

export async function post(target: Target, path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

/** The real daemon with a bridge's settings, once `ready` (its bridge connected to the fake);
 * stopped after `fn`. */
export async function withBridgeDaemon<T>(
  env: Record<string, string>,
  ready: { check: () => boolean; what: string },
  fn: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await startDaemon(env);
  try {
    await waitFor(ready.check, { timeoutMs: STEP_TIMEOUT_MS, what: ready.what });
    return await fn(target);
  } finally {
    await target.stop();
  }
}

export interface ChatSession {
  id: string;
  /** Its thread on the platform: a topic's message_thread_id, a parent message's ts. */
  threadId: string;
}

/** An external agent registers with `platform`: its thread is opened before the reply. */
export async function createChatSession(
  target: Target,
  name: string,
  platform: string,
): Promise<ChatSession> {
  const reply = await post(target, "/external/sessions", {
    agent_metadata: { name: "bench", type: "custom" },
    session_name: name,
    platform,
  });
  if (!reply.thread_info) throw new Error(`no thread for ${name}: ${reply.thread_error}`);
  return { id: reply.session_id, threadId: String(reply.thread_info.thread_id) };
}

/** The agent side of a session: long polls GET /input again and again, noting when each
 * approval_response came out. */
export class AgentPoll {
  /** request id → when its response arrived, and the option chosen, and by whom. */
  readonly answers = new Map<string, { at: number; option: string; by: string }>();
  errors = 0;
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly target: Target,
    private readonly sessionId: string,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const url = `${this.target.url}/external/sessions/${this.sessionId}/input?timeout=20`;
    while (!this.abort.signal.aborted) {
      try {
        const res = await fetch(url, { signal: this.abort.signal });
        if (res.status === 204) continue;
        const text = await res.text();
        const at = performance.now();
        if (res.status !== 200) throw new Error(`GET input: HTTP ${res.status} ${text}`);
        const m = JSON.parse(text);
        if (m.type === "approval_response") {
          this.answers.set(m.data.request_id, { at, option: m.data.option, by: m.data.decided_by });
        }
      } catch {
        if (this.abort.signal.aborted) return;
        this.errors++;
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

/** How the user answers on the platform, as its fake plays them. */
export interface ChatUser<M> {
  /** The bot's message with buttons about `title` in the session's thread, once it is there. */
  findButtons(session: ChatSession, title: string): M | undefined;
  /** The user presses Approve on it. */
  press(message: M): void;
  /** Who the agent hears answered: `telegram:<id>`, `slack:<id>`. */
  decidedBy: string;
}

export interface ApprovalTrip<M> {
  /** Asked → its message with buttons at the fake. */
  toChatMs: number;
  /** Pressed → the approval_response out of the agent's long poll. */
  toAgentMs: number;
  message: M;
}

/** One approval the whole way: asked, shown with buttons, pressed, answered to the agent. */
async function approvalTrip<M>(
  target: Target,
  user: ChatUser<M>,
  session: ChatSession,
  agent: AgentPoll,
  title: string,
): Promise<ApprovalTrip<M>> {
  const t0 = performance.now();
  const { request_id: requestId } = await post(
    target,
    `/external/sessions/${session.id}/approval`,
    { title, options: ["Approve", "Reject"] },
  );
  const message = await waitFor(() => user.findButtons(session, title), {
    timeoutMs: STEP_TIMEOUT_MS,
    intervalMs: 1,
    what: `the buttons of "${title}"`,
  });
  const t1 = performance.now();
  user.press(message);
  const t2 = performance.now();
  // The arrival time is taken by the poll itself; this only waits for it.
  const answer = await waitFor(() => agent.answers.get(requestId), {
    timeoutMs: STEP_TIMEOUT_MS,
    intervalMs: 5,
    what: `the agent's answer to "${title}"`,
  });
  if (answer.option !== "Approve" || answer.by !== user.decidedBy) {
    throw new Error(`"${title}" answered ${answer.option} by ${answer.by}`);
  }
  return { toChatMs: t1 - t0, toAgentMs: answer.at - t2, message };
}

export interface PacedApprovals<M> {
  /** Asked → its message with buttons at the fake. */
  toChatMs: Summary;
  /** Pressed → the approval_response out of the agent's long poll. */
  buttonToAgentMs: Summary;
  /** Approvals that did not make the whole trip (or came back with another answer). */
  failed: number;
  firstError?: string;
  /** Long polls that failed (not a 200 or a 204). */
  pollErrors: number;
  cpu: CpuUse;
  /** The messages of the counted trips, in the order they finished. */
  measured: M[];
  /** Every message pressed, the warm-up's too. */
  pressed: M[];
}

export interface PacingOptions {
  sessions: number;
  approvals: number;
  /** One approval every this many ms, over all sessions (round robin). */
  approvalEveryMs: number;
}

/** Approvals paced across sessions, as agents ask, each pressed as soon as its message is
 * there; one trip per session first as a warm-up, not counted. */
export async function pacedApprovals<M>(
  target: Target,
  platform: string,
  user: ChatUser<M>,
  options: PacingOptions,
): Promise<PacedApprovals<M>> {
  const sessions: ChatSession[] = [];
  for (let i = 0; i < options.sessions; i++) {
    sessions.push(await createChatSession(target, `s${i}`, platform));
  }
  const agents = sessions.map((s) => new AgentPoll(target, s.id));
  const pressed: M[] = [];
  try {
    await Promise.all(
      sessions.map(async (s, i) => {
        const trip = await approvalTrip(target, user, s, agents[i]!, `Warm up ${i}?`);
        pressed.push(trip.message);
      }),
    );

    const toChat: number[] = [];
    const toAgent: number[] = [];
    const measured: M[] = [];
    let failed = 0;
    let firstError: string | undefined;
    const meter = cpuMeter(target.pid);
    const start = performance.now();
    const trips: Promise<void>[] = [];
    for (let k = 0; k < options.approvals; k++) {
      await sleep(Math.max(0, start + k * options.approvalEveryMs - performance.now()));
      const i = k % sessions.length;
      const title = `Run step ${String(k).padStart(3, "0")}?`;
      trips.push(
        approvalTrip(target, user, sessions[i]!, agents[i]!, title).then(
          (trip) => {
            toChat.push(trip.toChatMs);
            toAgent.push(trip.toAgentMs);
            measured.push(trip.message);
            pressed.push(trip.message);
          },
          (error: Error) => {
            failed++;
            firstError ??= error.message;
          },
        ),
      );
    }
    await Promise.all(trips);
    return {
      toChatMs: summarize(toChat),
      buttonToAgentMs: summarize(toAgent),
      failed,
      ...(firstError ? { firstError } : {}),
      pollErrors: agents.reduce((n, a) => n + a.errors, 0),
      cpu: meter(),
      measured,
      pressed,
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}

export interface BurstOptions {
  outputs: number;
  /** Output POSTs in flight at once during the burst. */
  postWindow: number;
}

/** How the platform shows a session's thread, at its fake. */
export interface ChatThread {
  /** Everything the bot's messages in the thread say now, oldest first. */
  text(): string;
  /** The newest bot message's text, where the last output lands. */
  lastText(): string;
}

export interface BurstCheck {
  outputs: number;
  postWindow: number;
  /** First POST sent → the last one answered. */
  postSeconds: number;
  /** First POST sent → the last output (by seq) in the thread. */
  visibleSeconds: number;
  /** The last POST answered → the last output in the thread. */
  drainSeconds: number;
  missing: number;
  duplicated: number;
  reordered: number;
  cpu: CpuUse;
}

/** `n` outputs, each with a marker no other one contains (`burst-0007`). */
function burstTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const marker = `burst-${String(i + 1).padStart(4, "0")}`;
    return `${marker} compiled module ${i + 1} in ${(i * 37) % 200} ms`;
  });
}

/** Outputs posted into `session` as fast as the API takes them, until the last one (by seq) is
 * in `thread`; then whether each shows there once and in order. */
export async function outputBurst(
  target: Target,
  session: ChatSession,
  thread: ChatThread,
  options: BurstOptions,
): Promise<BurstCheck> {
  const texts = burstTexts(options.outputs);
  const markers = texts.map((t) => t.split(" ")[0]!);
  const seqs: number[] = new Array(texts.length);
  const meter = cpuMeter(target.pid);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      const reply = await post(target, `/external/sessions/${session.id}/output`, {
        text: texts[i],
      });
      seqs[i] = reply.seq;
    }
  };
  await Promise.all(Array.from({ length: options.postWindow }, worker));
  const posted = performance.now();
  // Delivery is in seq order, so the output committed last shows last.
  const bySeq = texts.map((_, i) => i).sort((a, b) => seqs[a]! - seqs[b]!);
  const last = markers[bySeq[bySeq.length - 1]!]!;
  await waitFor(() => thread.lastText().includes(last), {
    timeoutMs: BURST_TIMEOUT_MS,
    intervalMs: 2,
    what: () => `${last} in the thread; it ends:\n${thread.lastText().slice(-500)}`,
  });
  const visible = performance.now();
  const cpu = meter();
  return {
    outputs: texts.length,
    postWindow: options.postWindow,
    postSeconds: (posted - t0) / 1000,
    visibleSeconds: (visible - t0) / 1000,
    drainSeconds: (visible - posted) / 1000,
    ...shownOnceInOrder(
      thread.text(),
      bySeq.map((i) => markers[i]!),
    ),
    cpu,
  };
}

/** Markers (given in the order they were committed) that `text` lacks, has twice, or has
 * before the one committed ahead of them. */
function shownOnceInOrder(text: string, markers: string[]) {
  const positions = markers.map((m) => text.indexOf(m));
  let duplicated = 0;
  for (const [i, marker] of markers.entries()) {
    const at = positions[i]!;
    if (at >= 0 && text.indexOf(marker, at + 1) >= 0) duplicated++;
  }
  let reordered = 0;
  const shown = positions.filter((p) => p >= 0);
  for (let j = 1; j < shown.length; j++) if (shown[j]! < shown[j - 1]!) reordered++;
  return { missing: positions.filter((p) => p < 0).length, duplicated, reordered };
}

export interface StartupCost {
  withBridge: StartupResult;
  withoutBridge: StartupResult;
  /** What the bridge adds to start → healthy: the median over the runs of with − without. */
  bridgeStartMs: number;
}

/** Idle RSS and start → healthy without the bridge and with it (and its start → up), the two
 * alternating run by run so that a busy moment of the machine falls on both alike. */
export async function startupCost(
  bridge: StartupOptions,
  runs: number,
  settleMs: number,
): Promise<StartupCost> {
  const without: StartupResult[] = [];
  const withIt: StartupResult[] = [];
  for (let r = 0; r < runs; r++) {
    // Only the last pair settles, for the idle RSS.
    const settle = r === runs - 1 ? settleMs : 0;
    without.push(await startup(1, settle));
    withIt.push(await startup(1, settle, bridge));
  }
  const added = withIt.map((w, r) => w.healthyMs[0]! - without[r]!.healthyMs[0]!);
  return {
    withBridge: joined(withIt),
    withoutBridge: joined(without),
    bridgeStartMs: median(added),
  };
}

/** Single runs of `startup` as one result of several. */
function joined(runs: StartupResult[]): StartupResult {
  const all = (pick: (r: StartupResult) => number[] | undefined) =>
    runs.flatMap((r) => pick(r) ?? []);
  const last = runs[runs.length - 1]!;
  const bridgeUpMs = all((r) => r.bridgeUpMs);
  return {
    healthyMs: all((r) => r.healthyMs),
    medianHealthyMs: median(all((r) => r.healthyMs)),
    announcedMs: all((r) => r.announcedMs),
    rssAtHealthyMb: all((r) => r.rssAtHealthyMb),
    idleRssMb: last.idleRssMb,
    settleMs: last.settleMs,
    ...(last.bridgeUpMs ? { bridgeUpMs } : {}),
  };
}
