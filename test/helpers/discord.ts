// What every end-to-end test of the Discord bridge needs: the fake Discord (REST and gateway)
// and the real daemon pointed at it, and ways to read what reached a session's thread. Each
// test gets a fresh fake and daemon, closed after it (`useDiscord()`).
import { afterEach } from "vitest";
import {
  CHANNEL,
  type FakeDiscord,
  type FakeDiscordMessage,
  type FakeDiscordOptions,
  startFakeDiscord,
  USER,
} from "../fakes/discord.js";
import { createPlatformSession, DELIVERY_MS } from "./bridge-sessions.js";
import { startTestDaemon, type TestDaemon } from "./daemon.js";
import { waitFor } from "./wait.js";

export { CHANNEL, STRANGER, USER } from "../fakes/discord.js";
export * from "./bridge-sessions.js";

export const DAEMON_TOKEN = "discord-e2e-token-0123456789abcdef0123456789abcd";

/** The settings a user puts in the environment for Discord, pointed at the fake. */
export function discordEnv(fake: FakeDiscord, extra: Record<string, string> = {}) {
  return {
    DISCORD_BOT_TOKEN: fake.token,
    DISCORD_CHANNEL_ID: CHANNEL.id,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_ALLOWED_USER_IDS: USER.id,
    ...extra,
  };
}

export interface DiscordRig {
  close(): Promise<void>;
  fake(options?: FakeDiscordOptions): Promise<FakeDiscord>;
  /** The daemon in process with the Discord settings; waits for the gateway's READY. */
  daemon(options?: { env?: Record<string, string>; dataDir?: string }): Promise<TestDaemon>;
}

export function useDiscord(): DiscordRig {
  let fake: FakeDiscord | undefined;
  const daemons: TestDaemon[] = [];
  const close = async () => {
    for (const d of daemons.splice(0)) await d.close();
    if (fake) {
      await fake.up().catch(() => undefined);
      await fake.close();
    }
    fake = undefined;
  };
  afterEach(close);
  const rig: DiscordRig = {
    close,
    async fake(options) {
      fake = await startFakeDiscord({ heartbeatIntervalMs: 500, ...options });
      return fake;
    },
    async daemon(options = {}) {
      const f = fake ?? (await rig.fake());
      const ready = f.connections.length;
      const d = await startTestDaemon({
        token: DAEMON_TOKEN,
        env: discordEnv(f, options.env),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      daemons.push(d);
      await f.waitForReady(ready + 1);
      return d;
    },
  };
  return rig;
}

/** An external agent registers with `platform: "discord"`; the reply names its thread. */
export async function createDiscordSession(d: TestDaemon, name: string) {
  const session = await createPlatformSession(d, name, "discord");
  return { id: session.id, threadId: session.threadId };
}

/** The bot's messages in a thread, oldest first, as they are now. */
export function threadMessages(fake: FakeDiscord, threadId: string): FakeDiscordMessage[] {
  return fake.messages(threadId, { fromBot: true });
}

export function threadText(fake: FakeDiscord, threadId: string): string {
  return threadMessages(fake, threadId)
    .map((m) => m.content)
    .join("\n");
}

export function waitForThreadText(fake: FakeDiscord, threadId: string, text: string) {
  return waitFor(
    () => (threadText(fake, threadId).includes(text) ? threadText(fake, threadId) : undefined),
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 20,
      what: () =>
        `${JSON.stringify(text)} in thread ${threadId}; it says:\n${threadText(fake, threadId).slice(-2000)}`,
    },
  );
}

/** Calls Discord refused other than by an injected fault: each is a bug of the bridge. */
export function refusedCalls(fake: FakeDiscord): string[] {
  return fake.calls
    .filter((c) => !c.fault && c.status >= 400)
    .map((c) => `${c.route} → ${c.status} ${c.code ?? ""}`);
}
