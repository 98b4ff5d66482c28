// What every end-to-end test of the Slack bridge needs: the fake Slack (Web API and Socket Mode)
// and the real daemon pointed at it (settings as for `tether start`), and ways to read what
// reached a session's thread. Each test gets a fresh fake and daemon, closed after it
// (`useSlack()`), so files run in parallel and leave nothing behind.
import { afterEach } from "vitest";
import {
  CHANNEL,
  type FakeSlack,
  type FakeSlackMessage,
  type FakeSlackOptions,
  startFakeSlack,
  USER,
} from "../fakes/slack.js";
import { createPlatformSession, DELIVERY_MS } from "./bridge-sessions.js";
import { startTestDaemon, type TestDaemon } from "./daemon.js";
import { waitFor } from "./wait.js";

export { CHANNEL, OUTSIDER, STRANGER, USER } from "../fakes/slack.js";
export * from "./bridge-sessions.js";

export const DAEMON_TOKEN = "slack-e2e-token-0123456789abcdef0123456789abcd";

/** The settings a user puts in the environment for Slack, pointed at the fake. */
export function slackEnv(
  fake: FakeSlack,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_APP_TOKEN: fake.appToken,
    SLACK_CHANNEL_ID: CHANNEL.id,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ALLOWED_USER_IDS: USER.id,
    ...extra,
  };
}

export interface SlackRig {
  /** Closes this test's daemons, then its fake (done after each test; again is a no-op). */
  close(): Promise<void>;
  /** Starts a fake Slack (once per test; the daemon below talks to it). */
  fake(options?: FakeSlackOptions): Promise<FakeSlack>;
  /** Starts the daemon in process with the Slack settings (plus `env`) against this test's
   * fake; with `connected` (the default), waits until its Socket Mode connection is open. */
  daemon(options?: {
    env?: Record<string, string>;
    agentEnv?: Record<string, string>;
    dataDir?: string;
    connected?: boolean;
  }): Promise<TestDaemon>;
}

/** Registers the per-test tear-down; call once at the top of a test file. */
export function useSlack(): SlackRig {
  let fake: FakeSlack | undefined;
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

  const rig: SlackRig = {
    close,
    async fake(options) {
      fake = await startFakeSlack(options);
      return fake;
    },
    async daemon(options = {}) {
      const f = fake ?? (await rig.fake());
      const opened = f.connections.length;
      const d = await startTestDaemon({
        token: DAEMON_TOKEN,
        env: slackEnv(f, options.env),
        ...(options.agentEnv ? { agentEnv: options.agentEnv } : {}),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      daemons.push(d);
      if (options.connected ?? true) {
        await waitFor(() => f.connections.length > opened && f.openConnections().length > 0, {
          timeoutMs: DELIVERY_MS,
          what: "the bridge's Socket Mode connection",
        });
      }
      return d;
    },
  };
  return rig;
}

export interface SlackSession {
  id: string;
  /** The thread's parent ts. */
  threadTs: string;
}

/** An external agent registers with `platform: "slack"`; the reply names its thread. */
export async function createSlackSession(
  d: TestDaemon,
  name: string,
  metadata?: Record<string, unknown>,
): Promise<SlackSession> {
  const session = await createPlatformSession(d, name, "slack", metadata);
  return { id: session.id, threadTs: session.threadId };
}

// ---------- what reached Slack ----------

/** The bot's replies in a thread (not its parent), oldest first, as they are now. */
export function threadReplies(fake: FakeSlack, threadTs: string): FakeSlackMessage[] {
  return fake.messages({ threadTs, fromBot: true }).filter((m) => m.ts !== threadTs);
}

/** What a message says: its text and every text of its blocks. */
export function messageText(m: { text: string; blocks?: unknown[] }): string {
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

/** Everything the bot's replies in the thread say now, one message a line, oldest first. */
export function threadText(fake: FakeSlack, threadTs: string): string {
  return threadReplies(fake, threadTs).map(messageText).join("\n");
}

/** Waits until the thread's text satisfies `pred` (or contains it, for a string). */
export function waitForThreadText(
  fake: FakeSlack,
  threadTs: string,
  pred: string | ((text: string) => boolean),
  timeoutMs = DELIVERY_MS,
): Promise<string> {
  const check = typeof pred === "string" ? (t: string) => t.includes(pred) : pred;
  return waitFor(
    () => {
      const text = threadText(fake, threadTs);
      return check(text) ? text : undefined;
    },
    {
      timeoutMs,
      intervalMs: 20,
      what: () =>
        `${typeof pred === "string" ? JSON.stringify(pred) : "text"} in thread ${threadTs}; it says:\n${threadText(fake, threadTs).slice(-3000)}`,
    },
  );
}

/** Buttons of a message: action_id and label. */
export function buttons(m: FakeSlackMessage): { actionId: string; text: string }[] {
  const out: { actionId: string; text: string }[] = [];
  for (const block of (m.blocks ?? []) as { type: string; elements?: unknown[] }[]) {
    if (block.type !== "actions") continue;
    for (const e of (block.elements ?? []) as {
      type: string;
      action_id: string;
      text: { text: string };
    }[]) {
      if (e.type === "button") out.push({ actionId: e.action_id, text: e.text.text });
    }
  }
  return out;
}

/** A bot reply in the thread with buttons whose text mentions `title`. */
export function waitForButtons(
  fake: FakeSlack,
  threadTs: string,
  title: string,
): Promise<FakeSlackMessage> {
  return waitFor(
    () =>
      threadReplies(fake, threadTs).find(
        (m) => messageText(m).includes(title) && buttons(m).length > 0,
      ),
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 20,
      what: () =>
        `a message with buttons about "${title}"; thread: ${threadText(fake, threadTs).slice(-2000)}`,
    },
  );
}

/** Calls Slack refused other than by an injected fault: each is a bug of the bridge. */
export function refusedCalls(fake: FakeSlack): string[] {
  return fake.calls
    .filter((c) => !c.fault && (c.status >= 400 || c.error !== undefined))
    .map((c) => `${c.method} → ${c.status} ${c.error ?? ""}`);
}
