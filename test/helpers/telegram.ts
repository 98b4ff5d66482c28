// What every end-to-end test of the Telegram bridge needs: the fake Bot API and the real daemon
// pointed at it (settings as for `tether start`), and ways to read what reached a topic. Each
// test gets a fresh fake and daemon, closed after it (`useTelegram()`), so files run in parallel
// and leave nothing behind.
import { afterEach } from "vitest";
import {
  type FakeMessage,
  type FakeTelegram,
  type FakeTelegramOptions,
  FORUM_CHAT,
  startFakeTelegram,
  type TgUser,
  USER,
} from "../fakes/telegram.js";
import { createPlatformSession, DELIVERY_MS } from "./bridge-sessions.js";
import { type ApiResponse, startTestDaemon, type TestDaemon } from "./daemon.js";
import { waitFor } from "./wait.js";

export { FORUM_CHAT, USER } from "../fakes/telegram.js";
export {
  askApproval,
  bridgesHealth,
  DELIVERY_MS,
  events,
  expectEachOnceInOrder,
  markerOf,
  numberedOutputs,
  occurrences,
  postOutputs,
  type SessionEvent,
  waitForEvent,
} from "./bridge-sessions.js";

/** Someone in the group who is neither allowed nor paired. */
export const STRANGER: TgUser = { id: 2002, is_bot: false, first_name: "Eve", username: "eve" };

export const DAEMON_TOKEN = "telegram-e2e-token-0123456789abcdef0123456789";

/** The settings a user puts in the environment for Telegram, pointed at the fake. */
export function telegramEnv(
  fake: FakeTelegram,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_FORUM_GROUP_ID: String(FORUM_CHAT.id),
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_USER_IDS: String(USER.id),
    ...extra,
  };
}

export interface TelegramRig {
  /** Closes this test's daemons, then its fake (done after each test; again is a no-op). For a
   * file whose own tear-down must run after the daemon is gone. */
  close(): Promise<void>;
  /** Starts a fake Bot API (once per test; the daemon below talks to it). */
  fake(options?: FakeTelegramOptions): Promise<FakeTelegram>;
  /** Starts the daemon in process with the Telegram settings (plus `env`) against this test's
   * fake, waiting until the bridge long polls. */
  daemon(options?: {
    env?: Record<string, string>;
    agentEnv?: Record<string, string>;
    dataDir?: string;
  }): Promise<TestDaemon>;
}

/** Registers the per-test tear-down; call once at the top of a test file. */
export function useTelegram(): TelegramRig {
  let fake: FakeTelegram | undefined;
  const daemons: TestDaemon[] = [];

  const close = async () => {
    for (const d of daemons.splice(0)) await d.close();
    if (fake) {
      await fake.up().catch(() => undefined); // a test that failed mid-outage
      await fake.close();
    }
    fake = undefined;
  };
  afterEach(close);

  const rig: TelegramRig = {
    close,
    async fake(options) {
      fake = await startFakeTelegram({ maxPollSeconds: 5, ...options });
      return fake;
    },
    async daemon(options = {}) {
      const f = fake ?? (await rig.fake());
      const d = await startTestDaemon({
        token: DAEMON_TOKEN,
        env: telegramEnv(f, options.env),
        ...(options.agentEnv ? { agentEnv: options.agentEnv } : {}),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      daemons.push(d);
      await waitFor(() => f.polling(), { timeoutMs: DELIVERY_MS, what: "the bridge to long poll" });
      return d;
    },
  };
  return rig;
}

// ---------- sessions over the wire ----------

export interface ExternalSession {
  id: string;
  /** The topic's message_thread_id. */
  threadId: number;
  reply: ApiResponse["body"];
}

/** An external agent registers with `platform: "telegram"`; the reply names its topic. */
export async function createExternalSession(
  d: TestDaemon,
  name: string,
  metadata?: Record<string, unknown>,
): Promise<ExternalSession> {
  const session = await createPlatformSession(d, name, "telegram", metadata);
  return { ...session, threadId: Number(session.threadId) };
}

// ---------- what reached Telegram ----------

/** The topic named `name` (as it is now, or was), once the bridge has created it. */
export function topicNamed(fake: FakeTelegram, name: string, timeoutMs = DELIVERY_MS) {
  return waitFor(() => fake.topics().find((t) => t.name === name || t.renames.includes(name)), {
    timeoutMs,
    what: () => `a topic "${name}"; topics: ${JSON.stringify(fake.topics())}`,
  });
}

/** The bot's messages in a topic, oldest first, as they are now. */
export function botMessages(fake: FakeTelegram, threadId: number): FakeMessage[] {
  return fake.messages({ threadId, fromBot: true });
}

/** The bot's messages in the General topic (no thread), oldest first. */
export function generalBotMessages(fake: FakeTelegram): FakeMessage[] {
  return fake.messages({ fromBot: true }).filter((m) => m.message_thread_id === undefined);
}

/** Everything the bot's messages in the topic say now, one message a line, oldest first. */
export function topicText(fake: FakeTelegram, threadId: number): string {
  return botMessages(fake, threadId)
    .map((m) => m.text)
    .join("\n");
}

/** Waits until the topic's text satisfies `pred` (or contains it, for a string). */
export function waitForTopicText(
  fake: FakeTelegram,
  threadId: number,
  pred: string | ((text: string) => boolean),
  timeoutMs = DELIVERY_MS,
): Promise<string> {
  const check = typeof pred === "string" ? (t: string) => t.includes(pred) : pred;
  return waitFor(
    () => {
      const text = topicText(fake, threadId);
      return check(text) ? text : undefined;
    },
    {
      timeoutMs,
      intervalMs: 20,
      what: () =>
        `${typeof pred === "string" ? JSON.stringify(pred) : "text"} in topic ${threadId}; it says:\n${topicText(fake, threadId).slice(-3000)}`,
    },
  );
}

/** The first bot message after `afterId` in the topic (or General) that satisfies `pred`. */
export function waitForBotMessage(
  fake: FakeTelegram,
  where: { threadId?: number; afterId?: number },
  pred: (m: FakeMessage) => boolean = () => true,
  what = "a bot message",
): Promise<FakeMessage> {
  const list = () =>
    (where.threadId === undefined
      ? generalBotMessages(fake)
      : botMessages(fake, where.threadId)
    ).filter((m) => m.message_id > (where.afterId ?? 0));
  return waitFor(() => list().find(pred), {
    timeoutMs: DELIVERY_MS,
    intervalMs: 20,
    what: () => `${what}; got ${JSON.stringify(list().map((m) => m.text))}`,
  });
}

/** A bot message in the topic with inline buttons whose text mentions `title`. */
export function waitForButtons(
  fake: FakeTelegram,
  threadId: number,
  title: string,
): Promise<FakeMessage> {
  return waitForBotMessage(
    fake,
    { threadId },
    (m) => m.text.includes(title) && (m.reply_markup?.inline_keyboard.flat().length ?? 0) > 0,
    `a message with buttons about "${title}"`,
  );
}

export function buttonTexts(m: FakeMessage): string[] {
  return (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
}

/** The answer the bot gave to a button press (the callback query id clickButton returned). */
export function waitForCallbackAnswer(fake: FakeTelegram, queryId: string) {
  return waitFor(() => fake.callbackAnswers.find((a) => a.callback_query_id === queryId), {
    timeoutMs: DELIVERY_MS,
    what: () =>
      `an answer to callback query ${queryId}; answers: ${JSON.stringify(fake.callbackAnswers)}`,
  });
}

/** Calls Telegram refused other than by an injected fault: a bad request (HTML it cannot parse,
 * "message is not modified", a message too long, …) is a bug of the bridge. */
export function refusedCalls(fake: FakeTelegram) {
  return fake.calls
    .filter((c) => !c.fault && c.status >= 400 && c.method.toLowerCase() !== "getupdates")
    .map((c) => `${c.method} → ${c.status} ${c.description ?? ""}`);
}

/** Every version a bot message in the topic ever had must fit Telegram's limit. */
export function longestVersion(fake: FakeTelegram, threadId: number): number {
  return Math.max(
    0,
    ...botMessages(fake, threadId).flatMap((m) => [
      m.text.length,
      ...m.edits.map((e) => e.text.length),
    ]),
  );
}
