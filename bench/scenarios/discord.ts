// The Discord bridge: the real daemon with its bridge pointed at the fake Discord of the tests
// (test/fakes/discord.ts, REST and the gateway, run in this process; @discordjs in the daemon
// talks to it), the fake playing the user. Measures, on the wire (the parts every chat bridge
// shares are in ../chat-bridge.ts):
//   approvals: an agent asks on the External REST API → the fake has the thread's message with
//     buttons; the user clicks one (an INTERACTION_CREATE on the gateway) → the agent's long poll
//     returns the approval_response; and the click's callback, as the fake times it (Discord
//     wants it within 3 s). Paced across sessions, as agents ask.
//   burst: outputs posted into one session as fast as the API takes them → the last one shown in
//     the thread, and how many REST calls that took (messages posted, then grown by edits).
//   idle: idle RSS and start → healthy with the bridge configured, beside the same without it.
// The fake's work is counted as the harness's CPU.
import {
  CHANNEL,
  type FakeDiscord,
  type FakeDiscordMessage,
  type FakeInteraction,
  startFakeDiscord,
  USER,
} from "../../test/fakes/discord.js";
import { waitFor } from "../../test/helpers/wait.js";
import {
  type BurstCheck,
  type BurstOptions,
  type ChatUser,
  createChatSession,
  outputBurst,
  type PacingOptions,
  pacedApprovals,
  STEP_TIMEOUT_MS,
  type StartupCost,
  startupCost,
  withBridgeDaemon,
} from "../chat-bridge.js";
import type { CpuUse } from "../children.js";
import { type Summary, summarize } from "../stats.js";
import type { Target } from "../target.js";

/** Discord drops an interaction not answered within this long. */
const ACK_DEADLINE_MS = 3000;

export interface DiscordOptions extends PacingOptions, BurstOptions {
  startupRuns: number;
  settleMs: number;
}

export interface DiscordBurstResult extends BurstCheck {
  /** POST /channels/:thread/messages. */
  created: number;
  /** PATCH /channels/:thread/messages/:id. */
  edited: number;
  /** outputs / (created + edited). */
  outputsPerCall: number;
  /** Bot messages the thread ends with. */
  messages: number;
  /** Calls Discord refused (a bug of the bridge: the fake injects no faults here). */
  refused: number;
}

export interface DiscordResult extends StartupCost {
  sessions: number;
  approvals: number;
  approvalEveryMs: number;
  /** Approval posted → its message with buttons at the fake. */
  approvalToDiscordMs: Summary;
  /** Button clicked → the approval_response out of the agent's long poll. */
  buttonToAgentMs: Summary;
  /** INTERACTION_CREATE sent → the accepted callback, as the fake records it (whole ms). */
  ackMs: Summary;
  /** Clicks never acknowledged, or after Discord's 3 s. */
  lateAcks: number;
  /** Approvals that did not make the whole trip (or came back with another answer). */
  failed: number;
  firstError?: string;
  /** Long polls that failed (not a 200 or a 204). */
  pollErrors: number;
  approvalCpu: CpuUse;
  burst: DiscordBurstResult;
}

/** The settings a user sets for Discord, pointed at the fake (as test/helpers/discord.ts). */
function discordEnv(fake: FakeDiscord): Record<string, string> {
  return {
    DISCORD_BOT_TOKEN: fake.token,
    DISCORD_CHANNEL_ID: CHANNEL.id,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_ALLOWED_USER_IDS: USER.id,
  };
}

/** The bot's messages in a thread, oldest first. */
const botMessages = (fake: FakeDiscord, threadId: string) =>
  fake.messages(threadId, { fromBot: true });

const hasButtons = (m: FakeDiscordMessage) => m.components.length > 0;

/** A gateway connection that got READY and is still open: the bridge is up. */
const gatewayReady = (fake: FakeDiscord) =>
  fake.openConnections().some((c) => c.identified !== undefined || c.resumed?.ok === true);

/** The user in the thread, clicking at the fake; each click's interaction kept by message. */
function threadUser(
  fake: FakeDiscord,
  clicks: Map<string, FakeInteraction>,
): ChatUser<FakeDiscordMessage> {
  return {
    findButtons: (session, title) =>
      botMessages(fake, session.threadId).find((m) => hasButtons(m) && m.content.includes(title)),
    press: (message) => {
      clicks.set(message.id, fake.clickButton({ messageId: message.id, label: "Approve" }));
    },
    decidedBy: `discord:${USER.id}`,
  };
}

async function approvals(target: Target, fake: FakeDiscord, options: DiscordOptions) {
  const clicks = new Map<string, FakeInteraction>();
  const asked = await pacedApprovals(target, "discord", threadUser(fake, clicks), options);
  // Every clicked message loses its buttons (the bridge settled it), so what comes next has the
  // bridge to itself.
  await waitFor(() => asked.pressed.every((m) => !hasButtons(fake.message(m.id)!)), {
    timeoutMs: STEP_TIMEOUT_MS,
    what: "every answered approval's buttons gone",
  });
  const interactions = asked.measured.map((m) => clicks.get(m.id)!);
  const acked = interactions.filter((i) => i.ack !== undefined).map((i) => i.ack!.ms);
  return {
    approvalToDiscordMs: asked.toChatMs,
    buttonToAgentMs: asked.buttonToAgentMs,
    ackMs: summarize(acked),
    lateAcks:
      interactions.length - acked.length + acked.filter((ms) => ms > ACK_DEADLINE_MS).length,
    failed: asked.failed,
    ...(asked.firstError ? { firstError: asked.firstError } : {}),
    pollErrors: asked.pollErrors,
    approvalCpu: asked.cpu,
  };
}

async function burst(
  target: Target,
  fake: FakeDiscord,
  options: DiscordOptions,
): Promise<DiscordBurstResult> {
  const session = await createChatSession(target, "burst", "discord");
  const mark = fake.calls.length;
  const thread = () => botMessages(fake, session.threadId);
  const check = await outputBurst(
    target,
    session,
    {
      text: () =>
        thread()
          .map((m) => m.content)
          .join("\n"),
      lastText: () => thread().at(-1)?.content ?? "",
    },
    options,
  );
  const inThread = fake.calls
    .slice(mark)
    .filter((c) => c.path.includes(`/channels/${session.threadId}/messages`));
  const created = inThread.filter((c) => c.route === "POST /channels/:id/messages");
  const edited = inThread.filter((c) => c.route === "PATCH /channels/:id/messages/:mid");
  return {
    ...check,
    created: created.length,
    edited: edited.length,
    outputsPerCall: check.outputs / (created.length + edited.length),
    messages: thread().length,
    refused: inThread.filter((c) => c.status >= 400).length,
  };
}

/** Start-up with the bridge: up once its gateway connection has READY at the fake. */
async function idle(options: DiscordOptions): Promise<StartupCost> {
  const fake = await startFakeDiscord();
  try {
    const bridgeUp = () => {
      const opened = fake.connections.length;
      return () => fake.connections.length > opened && gatewayReady(fake);
    };
    return await startupCost(
      { env: discordEnv(fake), bridgeUp },
      options.startupRuns,
      options.settleMs,
    );
  } finally {
    await fake.close();
  }
}

/** The approvals and the burst, against one daemon with the bridge. */
async function atWork(options: DiscordOptions) {
  const fake = await startFakeDiscord();
  try {
    return await withBridgeDaemon(
      discordEnv(fake),
      { check: () => gatewayReady(fake), what: "the bridge's gateway READY" },
      async (target) => {
        const asked = await approvals(target, fake, options);
        return { ...asked, burst: await burst(target, fake, options) };
      },
    );
  } finally {
    await fake.close();
  }
}

export async function discordBridge(options: DiscordOptions): Promise<DiscordResult> {
  const measured = await atWork(options);
  return {
    sessions: options.sessions,
    approvals: options.approvals,
    approvalEveryMs: options.approvalEveryMs,
    ...measured,
    ...(await idle(options)),
  };
}
