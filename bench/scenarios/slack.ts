// The Slack bridge: the real daemon with its bridge pointed at the fake Slack of the tests
// (test/fakes/slack.ts, Web API and Socket Mode, run in this process; the real Bolt in the daemon
// talks to it), the fake playing the user. Measures, on the wire (the parts every chat bridge
// shares are in ../chat-bridge.ts):
//   approvals: an agent asks on the External REST API → the fake has the thread's message with
//     buttons; the user clicks one (an interactive envelope on the socket) → the agent's long
//     poll returns the approval_response; and the click's ack, as the fake times it (Slack wants
//     it within 3 s). Paced across sessions, as agents ask.
//   burst: outputs posted into one session as fast as the API takes them → the last one shown in
//     the thread, and how many Web API calls that took (the bridge batches outputs into messages
//     that grow by edits).
//   reconnect: Slack asks for a refresh (a `disconnect` frame) → the bridge has a new socket →
//     a click made then reaches the agent.
//   idle: idle RSS and start → healthy with the bridge configured, beside the same without it.
// The fake's work is counted as the harness's CPU.
import {
  CHANNEL,
  type FakeSlack,
  type FakeSlackMessage,
  type SlackEnvelope,
  startFakeSlack,
  USER,
} from "../../test/fakes/slack.js";
import { interactiveElements } from "../../test/fakes/slack-blocks.js";
import { waitFor } from "../../test/helpers/wait.js";
import {
  AgentPoll,
  type BurstCheck,
  type BurstOptions,
  type ChatSession,
  type ChatUser,
  createChatSession,
  outputBurst,
  type PacingOptions,
  pacedApprovals,
  post,
  STEP_TIMEOUT_MS,
  type StartupCost,
  startupCost,
  withBridgeDaemon,
} from "../chat-bridge.js";
import type { CpuUse } from "../children.js";
import { type Summary, summarize } from "../stats.js";
import type { Target } from "../target.js";

export interface SlackOptions extends PacingOptions, BurstOptions {
  /** Refreshes of the Socket Mode connection, one after another. */
  reconnects: number;
  startupRuns: number;
  settleMs: number;
}

export interface SlackBurstResult extends BurstCheck {
  postMessage: number;
  update: number;
  /** outputs / (chat.postMessage + chat.update). */
  outputsPerCall: number;
  /** Bot replies the thread ends with. */
  messages: number;
  /** Calls Slack refused (a bug of the bridge: the fake injects no faults here). */
  refused: number;
  /** auth.test calls during the burst (one per echo of the bridge's own posts). */
  authTests: number;
}

export interface ReconnectResult {
  rounds: number;
  /** `disconnect` sent → the bridge's new socket open at the fake. */
  toNewSocketMs: Summary;
  /** `disconnect` sent → the click made on the new socket is the agent's decision. */
  toDecisionMs: Summary;
  /** Clicks Slack could not deliver (no socket open) or that never reached the agent. */
  failed: number;
  firstError?: string;
}

export interface SlackResult extends StartupCost {
  sessions: number;
  approvals: number;
  approvalEveryMs: number;
  /** Approval posted → its message with buttons at the fake. */
  approvalToSlackMs: Summary;
  /** Button clicked → the approval_response out of the agent's long poll. */
  buttonToAgentMs: Summary;
  /** The click's envelope sent → its ack, as the fake records it (whole ms). */
  ackMs: Summary;
  /** Clicks acked after Slack's 3 s. */
  lateAcks: number;
  /** Envelopes Slack sent the bridge during the approvals (clicks, its own posts' echoes), and
   * the auth.test calls meanwhile: Bolt calls it before it hands any envelope over. */
  envelopes: number;
  authTests: number;
  /** Approvals that did not make the whole trip (or came back with another answer). */
  failed: number;
  firstError?: string;
  /** Long polls that failed (not a 200 or a 204). */
  pollErrors: number;
  approvalCpu: CpuUse;
  burst: SlackBurstResult;
  reconnect: ReconnectResult;
}

/** The settings a user sets for Slack, pointed at the fake (as test/helpers/slack.ts). */
function slackEnv(fake: FakeSlack): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_APP_TOKEN: fake.appToken,
    SLACK_CHANNEL_ID: CHANNEL.id,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ALLOWED_USER_IDS: USER.id,
  };
}

/** What a message says: every text of its blocks (or its text, without blocks). */
function messageText(m: FakeSlackMessage): string {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        if (key === "text" && typeof v === "string") texts.push(v);
        else walk(v);
      }
    }
  };
  walk(m.blocks ?? []);
  return texts.length > 0 ? texts.join("\n") : m.text;
}

/** The bot's replies in a thread (not its parent), oldest first. */
const replies = (fake: FakeSlack, threadTs: string) =>
  fake.messages({ threadTs, fromBot: true }).filter((m) => m.ts !== threadTs);

const hasButtons = (m: FakeSlackMessage) => interactiveElements(m.blocks).length > 0;

/** The user in the channel, clicking at the fake; each click's envelope kept by message. */
function channelUser(
  fake: FakeSlack,
  clicks: Map<string, SlackEnvelope>,
): ChatUser<FakeSlackMessage> {
  return {
    findButtons: (session, title) =>
      replies(fake, session.threadId).find((m) => hasButtons(m) && messageText(m).includes(title)),
    press: (message) => {
      clicks.set(message.ts, fake.click({ messageTs: message.ts, text: "Approve" }).envelope);
    },
    decidedBy: `slack:${USER.id}`,
  };
}

async function approvals(target: Target, fake: FakeSlack, options: SlackOptions) {
  const clicks = new Map<string, SlackEnvelope>();
  const calls = fake.calls.length;
  const sent = fake.envelopes.length;
  const asked = await pacedApprovals(target, "slack", channelUser(fake, clicks), options);
  // Every clicked message loses its buttons (the bridge delivered approval_resolved), so what
  // comes next has the bridge to itself.
  await waitFor(() => asked.pressed.every((m) => !hasButtons(fake.message(CHANNEL.id, m.ts)!)), {
    timeoutMs: STEP_TIMEOUT_MS,
    what: "every answered approval's buttons gone",
  });
  const envelopes = asked.measured.map((m) => clicks.get(m.ts)!);
  const acked = envelopes.filter((e) => e.ackMs !== undefined);
  return {
    approvalToSlackMs: asked.toChatMs,
    buttonToAgentMs: asked.buttonToAgentMs,
    ackMs: summarize(acked.map((e) => e.ackMs!)),
    lateAcks: envelopes.length - acked.length + acked.filter((e) => e.late).length,
    envelopes: fake.envelopes.length - sent,
    authTests: fake.calls.slice(calls).filter((c) => c.method === "auth.test").length,
    failed: asked.failed,
    ...(asked.firstError ? { firstError: asked.firstError } : {}),
    pollErrors: asked.pollErrors,
    approvalCpu: asked.cpu,
  };
}

async function burst(
  target: Target,
  fake: FakeSlack,
  options: SlackOptions,
): Promise<SlackBurstResult> {
  const session = await createChatSession(target, "burst", "slack");
  const mark = fake.calls.length;
  const thread = () => replies(fake, session.threadId);
  const check = await outputBurst(
    target,
    session,
    {
      text: () => thread().map(messageText).join("\n"),
      lastText: () => {
        const last = thread().at(-1);
        return last ? messageText(last) : "";
      },
    },
    options,
  );
  const messages = thread();
  const ids = new Set(messages.map((m) => m.ts));
  const calls = fake.calls.slice(mark);
  const posts = calls.filter(
    (c) => c.method === "chat.postMessage" && c.params.thread_ts === session.threadId,
  );
  const updates = calls.filter((c) => c.method === "chat.update" && ids.has(String(c.params.ts)));
  return {
    ...check,
    postMessage: posts.length,
    update: updates.length,
    outputsPerCall: check.outputs / (posts.length + updates.length),
    messages: messages.length,
    refused: [...posts, ...updates].filter((c) => c.status >= 400 || c.error !== undefined).length,
    authTests: calls.filter((c) => c.method === "auth.test").length,
  };
}

/** Slack asks the bridge to reconnect, then the user clicks as soon as the bridge's new socket
 * is open; one round after another, each on an approval that was asked before it. */
async function reconnects(
  target: Target,
  fake: FakeSlack,
  options: SlackOptions,
): Promise<ReconnectResult> {
  const session = await createChatSession(target, "reconnect", "slack");
  const agent = new AgentPoll(target, session.id);
  const toNewSocket: number[] = [];
  const toDecision: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  try {
    for (let r = 0; r < options.reconnects; r++) {
      try {
        const [ms, socketMs] = await reconnectRound(target, fake, session, agent, r);
        toDecision.push(ms);
        toNewSocket.push(socketMs);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  } finally {
    await agent.stop();
  }
  return {
    rounds: options.reconnects,
    toNewSocketMs: summarize(toNewSocket),
    toDecisionMs: summarize(toDecision),
    failed,
    ...(firstError ? { firstError } : {}),
  };
}

/** One refresh: ms from `disconnect` to the decision at the agent, and to the new socket. */
async function reconnectRound(
  target: Target,
  fake: FakeSlack,
  session: ChatSession,
  agent: AgentPoll,
  round: number,
): Promise<[number, number]> {
  // The question is in the thread before the refresh; only the click comes after it.
  const title = `After refresh ${round}?`;
  const clicks = new Map<string, SlackEnvelope>();
  const user = channelUser(fake, clicks);
  const { request_id: requestId } = await post(
    target,
    `/external/sessions/${session.id}/approval`,
    { title, options: ["Approve", "Reject"] },
  );
  const message = await waitFor(() => user.findButtons(session, title), {
    timeoutMs: STEP_TIMEOUT_MS,
    what: `the buttons of "${title}"`,
  });
  const [old] = fake.openConnections();
  if (!old) throw new Error("no Socket Mode connection open before the refresh");

  const t0 = performance.now();
  fake.disconnect("refresh_requested", old.id);
  await waitFor(() => fake.openConnections().some((c) => c.id > old.id), {
    timeoutMs: STEP_TIMEOUT_MS,
    intervalMs: 1,
    what: "the bridge's new Socket Mode connection",
  });
  const t1 = performance.now();
  user.press(message);
  if (clicks.get(message.ts)?.status === "undeliverable") {
    throw new Error(`"${title}": no socket open for the click`);
  }
  const answer = await waitFor(() => agent.answers.get(requestId), {
    timeoutMs: STEP_TIMEOUT_MS,
    intervalMs: 1,
    what: `the agent's answer to "${title}"`,
  });
  if (answer.option !== "Approve" || answer.by !== user.decidedBy) {
    throw new Error(`"${title}" answered ${answer.option} by ${answer.by}`);
  }
  // The old socket is gone by now, so the next round's refresh finds only the new one.
  await waitFor(() => fake.openConnections().length === 1, {
    timeoutMs: STEP_TIMEOUT_MS,
    what: "only the new socket open",
  });
  return [answer.at - t0, t1 - t0];
}

/** Start-up with the bridge: up once its Socket Mode connection is open at the fake. */
async function idle(options: SlackOptions): Promise<StartupCost> {
  const fake = await startFakeSlack();
  try {
    const bridgeUp = () => {
      const opened = fake.connections.length;
      return () => fake.connections.length > opened && fake.openConnections().length > 0;
    };
    return await startupCost(
      { env: slackEnv(fake), bridgeUp },
      options.startupRuns,
      options.settleMs,
    );
  } finally {
    await fake.close();
  }
}

/** The approvals, the burst and the reconnects, against one daemon with the bridge. */
async function atWork(options: SlackOptions) {
  const fake = await startFakeSlack();
  try {
    return await withBridgeDaemon(
      slackEnv(fake),
      {
        check: () => fake.openConnections().length > 0,
        what: "the bridge's Socket Mode connection",
      },
      async (target) => {
        const asked = await approvals(target, fake, options);
        const shown = await burst(target, fake, options);
        return { ...asked, burst: shown, reconnect: await reconnects(target, fake, options) };
      },
    );
  } finally {
    await fake.close();
  }
}

export async function slackBridge(options: SlackOptions): Promise<SlackResult> {
  const measured = await atWork(options);
  return {
    sessions: options.sessions,
    approvals: options.approvals,
    approvalEveryMs: options.approvalEveryMs,
    ...measured,
    ...(await idle(options)),
  };
}
