// The Telegram bridge: the real daemon with its bridge pointed at the fake Bot API of the tests
// (test/fakes/telegram.ts, run in this process; the real grammY in the daemon talks to it), the
// fake playing the user. Measures, on the wire:
//   approvals: an agent asks on the External REST API → the fake has the message with buttons;
//     the user presses one (clickButton) → the agent's long poll returns the approval_response.
//     Paced across sessions, as agents ask; each press comes as soon as its message is there.
//   burst: outputs posted into one session as fast as the API takes them → the last one shown in
//     the topic, and how many Telegram calls that took (the bridge batches them into messages
//     that grow by edits).
//   idle: idle RSS and start → healthy with the bridge configured, beside the same without it.
// The fake's work is counted as the harness's CPU.
import {
  type FakeMessage,
  type FakeTelegram,
  FORUM_CHAT,
  startFakeTelegram,
  USER,
} from "../../test/fakes/telegram.js";
import { waitFor } from "../../test/helpers/wait.js";
import { type CpuUse, cpuMeter } from "../children.js";
import { startDaemon } from "../daemon.js";
import { sleep } from "../sockets.js";
import { median, type Summary, summarize } from "../stats.js";
import type { Target } from "../target.js";
import { type StartupResult, startup } from "./startup.js";

export interface TelegramOptions {
  sessions: number;
  approvals: number;
  /** One approval every this many ms, over all sessions (round robin). */
  approvalEveryMs: number;
  outputs: number;
  /** Output POSTs in flight at once during the burst. */
  postWindow: number;
  startupRuns: number;
  settleMs: number;
}

export interface BurstResult {
  outputs: number;
  postWindow: number;
  /** First POST sent → the last one answered. */
  postSeconds: number;
  /** First POST sent → the last output (by seq) in the topic. */
  visibleSeconds: number;
  /** The last POST answered → the last output in the topic. */
  drainSeconds: number;
  sendMessage: number;
  editMessageText: number;
  /** outputs / (sendMessage + editMessageText). */
  outputsPerCall: number;
  /** Bot messages the topic ends with. */
  messages: number;
  /** Calls Telegram refused (a bug of the bridge: the fake injects no faults here). */
  refused: number;
  missing: number;
  duplicated: number;
  reordered: number;
  cpu: CpuUse;
}

export interface TelegramResult {
  sessions: number;
  approvals: number;
  approvalEveryMs: number;
  /** Approval posted → its message with buttons at the fake. */
  approvalToTelegramMs: Summary;
  /** Button pressed → the approval_response out of the agent's long poll. */
  buttonToAgentMs: Summary;
  /** Approvals that did not make the whole trip (or came back with another answer). */
  failed: number;
  firstError?: string;
  /** Long polls that failed (not a 200 or a 204). */
  pollErrors: number;
  approvalCpu: CpuUse;
  burst: BurstResult;
  withBridge: StartupResult;
  withoutBridge: StartupResult;
  /** What the bridge adds to start → healthy: the median over the runs of with − without. */
  bridgeStartMs: number;
}

/** How long one step may take before it counts as lost. */
const STEP_TIMEOUT_MS = 15_000;
const BURST_TIMEOUT_MS = 45_000;

/** The settings a user sets for Telegram, pointed at the fake (as test/helpers/telegram.ts). */
function telegramEnv(fake: FakeTelegram): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_FORUM_GROUP_ID: String(FORUM_CHAT.id),
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_USER_IDS: String(USER.id),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field
type Json = any;

async function post(target: Target, path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

interface Session {
  id: string;
  /** Its topic's message_thread_id. */
  threadId: number;
}

/** An external agent registers with `platform: "telegram"`: its topic is opened before the reply. */
async function createSession(target: Target, name: string): Promise<Session> {
  const reply = await post(target, "/external/sessions", {
    agent_metadata: { name: "bench", type: "custom" },
    session_name: name,
    platform: "telegram",
  });
  if (!reply.thread_info) throw new Error(`no topic for ${name}: ${reply.thread_error}`);
  return { id: reply.session_id, threadId: Number(reply.thread_info.thread_id) };
}

/** The agent side of a session: long polls GET /input again and again, noting when each
 * approval_response came out. */
class AgentPoll {
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

const hasButtons = (m: FakeMessage) => (m.reply_markup?.inline_keyboard.flat().length ?? 0) > 0;

interface Trip {
  toTelegramMs: number;
  toAgentMs: number;
  messageId: number;
}

/** One approval the whole way: asked, shown with buttons, pressed, answered to the agent. */
async function approvalTrip(
  target: Target,
  fake: FakeTelegram,
  session: Session,
  agent: AgentPoll,
  title: string,
): Promise<Trip> {
  const t0 = performance.now();
  const { request_id: requestId } = await post(
    target,
    `/external/sessions/${session.id}/approval`,
    {
      title,
      options: ["Approve", "Reject"],
    },
  );
  const message = await waitFor(
    () =>
      fake
        .messages({ threadId: session.threadId, fromBot: true })
        .find((m) => hasButtons(m) && m.text.includes(title)),
    { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 1, what: `the buttons of "${title}"` },
  );
  const t1 = performance.now();
  fake.clickButton({ messageId: message.message_id, text: "Approve" });
  const t2 = performance.now();
  // The arrival time is taken by the poll itself; this only waits for it.
  const answer = await waitFor(() => agent.answers.get(requestId), {
    timeoutMs: STEP_TIMEOUT_MS,
    intervalMs: 5,
    what: `the agent's answer to "${title}"`,
  });
  if (answer.option !== "Approve" || answer.by !== `telegram:${USER.id}`) {
    throw new Error(`"${title}" answered ${answer.option} by ${answer.by}`);
  }
  return { toTelegramMs: t1 - t0, toAgentMs: answer.at - t2, messageId: message.message_id };
}

async function approvals(target: Target, fake: FakeTelegram, options: TelegramOptions) {
  const sessions: Session[] = [];
  for (let i = 0; i < options.sessions; i++) sessions.push(await createSession(target, `s${i}`));
  const agents = sessions.map((s) => new AgentPoll(target, s.id));
  const pressed: number[] = [];
  try {
    // Warm-up, not counted: one trip per session.
    await Promise.all(
      sessions.map(async (s, i) => {
        const trip = await approvalTrip(target, fake, s, agents[i]!, `Warm up ${i}?`);
        pressed.push(trip.messageId);
      }),
    );

    const toTelegram: number[] = [];
    const toAgent: number[] = [];
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
        approvalTrip(target, fake, sessions[i]!, agents[i]!, title).then(
          (trip) => {
            toTelegram.push(trip.toTelegramMs);
            toAgent.push(trip.toAgentMs);
            pressed.push(trip.messageId);
          },
          (error: Error) => {
            failed++;
            firstError ??= error.message;
          },
        ),
      );
    }
    await Promise.all(trips);
    const cpu = meter();
    // Every pressed message loses its buttons (the bridge delivered approval_resolved), so what
    // comes next has the bridge to itself.
    await waitFor(() => pressed.every((id) => !hasButtons(fake.message(FORUM_CHAT.id, id)!)), {
      timeoutMs: STEP_TIMEOUT_MS,
      what: "every answered approval's buttons gone",
    });
    return {
      approvalToTelegramMs: summarize(toTelegram),
      buttonToAgentMs: summarize(toAgent),
      failed,
      ...(firstError ? { firstError } : {}),
      pollErrors: agents.reduce((n, a) => n + a.errors, 0),
      approvalCpu: cpu,
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}

/** `n` outputs, each with a marker no other one contains (`burst-0007`). */
function burstTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const marker = `burst-${String(i + 1).padStart(4, "0")}`;
    return `${marker} compiled module ${i + 1} in ${(i * 37) % 200} ms`;
  });
}

async function outputBurst(
  target: Target,
  fake: FakeTelegram,
  options: TelegramOptions,
): Promise<BurstResult> {
  const session = await createSession(target, "burst");
  const texts = burstTexts(options.outputs);
  const markers = texts.map((t) => t.split(" ")[0]!);
  const seqs: number[] = new Array(texts.length);
  const mark = fake.calls.length;
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
  const topic = () => fake.messages({ threadId: session.threadId, fromBot: true });
  await waitFor(() => topic().at(-1)?.text.includes(last), {
    timeoutMs: BURST_TIMEOUT_MS,
    intervalMs: 2,
    what: () => `${last} in the topic; it ends:\n${topic().at(-1)?.text.slice(-500)}`,
  });
  const visible = performance.now();
  const cpu = meter();

  const messages = topic();
  const ids = new Set(messages.map((m) => m.message_id));
  const calls = fake.calls.slice(mark);
  const named = (name: string) => calls.filter((c) => c.method.toLowerCase() === name);
  const sends = named("sendmessage").filter(
    (c) => Number(c.params.message_thread_id) === session.threadId,
  );
  const edits = named("editmessagetext").filter((c) => ids.has(Number(c.params.message_id)));
  const text = messages.map((m) => m.text).join("\n");
  const positions = bySeq.map((i) => text.indexOf(markers[i]!));
  let duplicated = 0;
  for (const marker of markers) {
    const at = text.indexOf(marker);
    if (at >= 0 && text.indexOf(marker, at + 1) >= 0) duplicated++;
  }
  let reordered = 0;
  const shown = positions.filter((p) => p >= 0);
  for (let j = 1; j < shown.length; j++) if (shown[j]! < shown[j - 1]!) reordered++;
  const delivering = sends.length + edits.length;
  return {
    outputs: texts.length,
    postWindow: options.postWindow,
    postSeconds: (posted - t0) / 1000,
    visibleSeconds: (visible - t0) / 1000,
    drainSeconds: (visible - posted) / 1000,
    sendMessage: sends.length,
    editMessageText: edits.length,
    outputsPerCall: texts.length / delivering,
    messages: messages.length,
    refused: [...sends, ...edits].filter((c) => c.status >= 400).length,
    missing: positions.filter((p) => p < 0).length,
    duplicated,
    reordered,
    cpu,
  };
}

/** Idle RSS and start → healthy without the bridge and with it (and its start → long poll), the
 * two alternating run by run so that a busy moment of the machine falls on both alike. */
async function idle(options: TelegramOptions) {
  const fake = await startFakeTelegram();
  const bridge = {
    env: telegramEnv(fake),
    bridgeUp: () => {
      const mark = fake.calls.length;
      return () =>
        fake.polling() &&
        fake.calls.slice(mark).some((c) => c.method.toLowerCase() === "getupdates");
    },
  };
  const without: StartupResult[] = [];
  const withIt: StartupResult[] = [];
  try {
    for (let r = 0; r < options.startupRuns; r++) {
      // Only the last pair settles, for the idle RSS.
      const settleMs = r === options.startupRuns - 1 ? options.settleMs : 0;
      without.push(await startup(1, settleMs));
      withIt.push(await startup(1, settleMs, bridge));
    }
  } finally {
    await fake.close();
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

/** The approvals and the burst, against one daemon with the bridge. */
async function atWork(options: TelegramOptions) {
  const fake = await startFakeTelegram();
  const target = await startDaemon(telegramEnv(fake)).catch(async (error) => {
    await fake.close();
    throw error;
  });
  try {
    await waitFor(() => fake.polling(), {
      timeoutMs: STEP_TIMEOUT_MS,
      what: "the bridge to long poll",
    });
    const asked = await approvals(target, fake, options);
    return { ...asked, burst: await outputBurst(target, fake, options) };
  } finally {
    await target.stop();
    await fake.close();
  }
}

export async function telegramBridge(options: TelegramOptions): Promise<TelegramResult> {
  const measured = await atWork(options);
  return {
    sessions: options.sessions,
    approvals: options.approvals,
    approvalEveryMs: options.approvalEveryMs,
    ...measured,
    ...(await idle(options)),
  };
}
