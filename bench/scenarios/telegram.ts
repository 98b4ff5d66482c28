// The Telegram bridge: the real daemon with its bridge pointed at the fake Bot API of the tests
// (test/fakes/telegram.ts, run in this process; the real grammY in the daemon talks to it), the
// fake playing the user. Measures, on the wire (the parts every chat bridge shares are in
// ../chat-bridge.ts):
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
import type { Summary } from "../stats.js";
import type { Target } from "../target.js";

export interface TelegramOptions extends PacingOptions, BurstOptions {
  startupRuns: number;
  settleMs: number;
}

export interface BurstResult extends BurstCheck {
  sendMessage: number;
  editMessageText: number;
  /** outputs / (sendMessage + editMessageText). */
  outputsPerCall: number;
  /** Bot messages the topic ends with. */
  messages: number;
  /** Calls Telegram refused (a bug of the bridge: the fake injects no faults here). */
  refused: number;
}

export interface TelegramResult extends StartupCost {
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
}

/** The settings a user sets for Telegram, pointed at the fake (as test/helpers/telegram.ts). */
function telegramEnv(fake: FakeTelegram): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_FORUM_GROUP_ID: String(FORUM_CHAT.id),
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_USER_IDS: String(USER.id),
  };
}

const hasButtons = (m: FakeMessage) => (m.reply_markup?.inline_keyboard.flat().length ?? 0) > 0;

/** The user of the forum group, pressing buttons at the fake. */
function forumUser(fake: FakeTelegram): ChatUser<FakeMessage> {
  return {
    findButtons: (session, title) =>
      fake
        .messages({ threadId: Number(session.threadId), fromBot: true })
        .find((m) => hasButtons(m) && m.text.includes(title)),
    press: (message) => fake.clickButton({ messageId: message.message_id, text: "Approve" }),
    decidedBy: `telegram:${USER.id}`,
  };
}

async function approvals(target: Target, fake: FakeTelegram, options: TelegramOptions) {
  const asked = await pacedApprovals(target, "telegram", forumUser(fake), options);
  // Every pressed message loses its buttons (the bridge delivered approval_resolved), so what
  // comes next has the bridge to itself.
  await waitFor(
    () => asked.pressed.every((m) => !hasButtons(fake.message(FORUM_CHAT.id, m.message_id)!)),
    { timeoutMs: STEP_TIMEOUT_MS, what: "every answered approval's buttons gone" },
  );
  return {
    approvalToTelegramMs: asked.toChatMs,
    buttonToAgentMs: asked.buttonToAgentMs,
    failed: asked.failed,
    ...(asked.firstError ? { firstError: asked.firstError } : {}),
    pollErrors: asked.pollErrors,
    approvalCpu: asked.cpu,
  };
}

async function burst(
  target: Target,
  fake: FakeTelegram,
  options: TelegramOptions,
): Promise<BurstResult> {
  const session = await createChatSession(target, "burst", "telegram");
  const threadId = Number(session.threadId);
  const mark = fake.calls.length;
  const topic = () => fake.messages({ threadId, fromBot: true });
  const check = await outputBurst(
    target,
    session,
    {
      text: () =>
        topic()
          .map((m) => m.text)
          .join("\n"),
      lastText: () => topic().at(-1)?.text ?? "",
    },
    options,
  );
  const messages = topic();
  const ids = new Set(messages.map((m) => m.message_id));
  const calls = fake.calls.slice(mark);
  const named = (name: string) => calls.filter((c) => c.method.toLowerCase() === name);
  const sends = named("sendmessage").filter((c) => Number(c.params.message_thread_id) === threadId);
  const edits = named("editmessagetext").filter((c) => ids.has(Number(c.params.message_id)));
  return {
    ...check,
    sendMessage: sends.length,
    editMessageText: edits.length,
    outputsPerCall: check.outputs / (sends.length + edits.length),
    messages: messages.length,
    refused: [...sends, ...edits].filter((c) => c.status >= 400).length,
  };
}

/** Start-up with the bridge: up once it long polls (getUpdates) at the fake. */
async function idle(options: TelegramOptions): Promise<StartupCost> {
  const fake = await startFakeTelegram();
  try {
    const bridgeUp = () => {
      const mark = fake.calls.length;
      return () =>
        fake.polling() &&
        fake.calls.slice(mark).some((c) => c.method.toLowerCase() === "getupdates");
    };
    return await startupCost(
      { env: telegramEnv(fake), bridgeUp },
      options.startupRuns,
      options.settleMs,
    );
  } finally {
    await fake.close();
  }
}

/** The approvals and the burst, against one daemon with the bridge. */
async function atWork(options: TelegramOptions) {
  const fake = await startFakeTelegram();
  try {
    return await withBridgeDaemon(
      telegramEnv(fake),
      { check: () => fake.polling(), what: "the bridge to long poll" },
      async (target) => {
        const asked = await approvals(target, fake, options);
        return { ...asked, burst: await burst(target, fake, options) };
      },
    );
  } finally {
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
