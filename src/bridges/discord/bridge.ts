// The Discord bridge: a channel where every session has a thread. Its events reach the thread
// through the bridge's durable cursor (delivery.ts), people answer there with buttons, replies
// and `/tether` (interactions.ts), and the gateway brings their clicks, so no public URL is
// needed. Loaded only when DISCORD_BOT_TOKEN is set.
//
// A refused token, a channel the bot cannot see, or intents the app lacks is one line in the log
// and in /api/health naming what to fix; the daemon runs on, and what can be fixed in Discord
// without a restart (inviting the bot, a permission) is checked again until it works. A Discord
// that does not answer leaves the bridge retrying, its events waiting on disk.
import { WebSocketShardEvents } from "@discordjs/ws";
import type { SessionsFollow } from "../../core/follow-sessions.js";
import type { StoredEvent } from "../../core/store.js";
import type { Session } from "../../shared/schemas.js";
import { Wakeable } from "../../shared/wakeable.js";
import { ChatActions } from "../chat-actions.js";
import { ChatCommands } from "../chat-commands.js";
import { HealthTracker } from "../health.js";
import { retryWithBackoff, SetupProblem } from "../setup-retry.js";
import type { Bridge, BridgeContext, BridgeState, Thread } from "../types.js";
import { Delivery } from "./delivery.js";
import {
  connectDiscord,
  type DiscordConnection,
  describeError,
  disconnectDiscord,
  discordCode,
} from "./discord-api.js";
import { DISCORD_FORMAT, handleInteractions, TETHER_COMMAND } from "./interactions.js";
import { checkSetup, type DiscordSetup } from "./setup-check.js";
import { DiscordThreads, THREAD_GONE } from "./threads.js";

export function discordBridge(): Bridge {
  return new DiscordBridge();
}

/** Refusals a retry cannot change (Invalid Form Body, Cannot send an empty message): the event
 * is logged and passed, or its session would be stuck on it for good. */
const REFUSED_CONTENT = new Set([50035, 50006, 50008]);

/** Gateway closes that say what to fix; the library gives up on them. */
const GATEWAY_REFUSALS: Record<number, string> = {
  4004: "DISCORD_BOT_TOKEN was refused by Discord's gateway (4004): it must be the bot's token from the Developer Portal (Bot → Reset Token)",
  4013: "the Discord gateway refused the bridge's intents (4013)",
  4014: "the Discord app lacks the Message Content intent (4014): switch it on in the Developer Portal (Bot → Privileged Gateway Intents → Message Content Intent)",
};

class DiscordBridge implements Bridge {
  readonly name = "discord";
  readonly pairWith = { command: "/tether pair", where: "in the Discord channel" };
  private context: BridgeContext | undefined;
  private discord: DiscordConnection | undefined;
  private token = "";
  private threads: DiscordThreads | undefined;
  private delivery: Delivery | undefined;
  private follow: SessionsFollow | undefined;
  private stopped = false;
  private readonly waker = new Wakeable();
  /** Settles once the bridge is live (resolved) or gives up before it (rejected): deliveries
   * wait on it. */
  private readonly live = settleable();
  private readonly tracker = new HealthTracker(() => this.follow?.stats().behind ?? 0);

  async start(context: BridgeContext): Promise<void> {
    this.context = context;
    const s = context.settings;
    this.token = s.DISCORD_BOT_TOKEN ?? "";
    if (s.DISCORD_CHANNEL_ID === undefined) {
      this.giveUp(
        "DISCORD_CHANNEL_ID is not set: the Discord bridge needs the channel it opens a thread per session in (its id, e.g. 123456789012345678)",
      );
      return;
    }
    this.discord = connectDiscord({ token: this.token, apiUrl: s.DISCORD_API_URL });
    // Followed from the start, live or not: a session that begins while the set-up waits (for a
    // permission) gets its thread, and everything it said, once the bridge is live.
    this.follow = await context.followSessions({
      deliver: async (event, alsoThrough) => {
        await this.live.promise;
        await this.deliver(event, alsoThrough);
      },
      onError: (failure) => {
        if (this.stopped) return;
        const why = this.describe(failure.error);
        this.tracker.failed(`session ${failure.session_id}`, why);
        context.log.warn(
          {
            session_id: failure.session_id,
            seq: failure.event?.seq,
            during: failure.during,
            retry_in_ms: failure.retryInMs,
            error: why,
          },
          "could not deliver to Discord; trying again",
        );
      },
      from: "now",
      retry: { firstMs: 1000, maxMs: 15_000 },
    });
    try {
      await this.goLive(await checkSetup(this.discord.client.api, s.DISCORD_CHANNEL_ID));
    } catch (error) {
      this.notLive(error);
      void this.keepTrying();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live.reject(new Error("the Discord bridge stopped"));
    this.waker.poke();
    if (this.discord) await disconnectDiscord(this.discord);
    await this.follow?.close();
    this.tracker.stopped();
  }

  health(): BridgeState {
    return this.tracker.snapshotFor(this.context?.engine);
  }

  pairing(): boolean {
    return (this.context?.settings.DISCORD_ALLOWED_USER_IDS.length ?? 0) === 0;
  }

  async openThread(session: Session): Promise<Thread> {
    if (!this.threads) {
      throw new Error(`Discord is not reachable yet (${this.tracker.snapshot().last_error})`);
    }
    return this.threads.ensure(session);
  }

  // ---------- start-up ----------

  private async goLive(setup: DiscordSetup): Promise<void> {
    const context = this.context!;
    const { client, gateway } = this.discord!;
    const api = client.api;
    const threads = new DiscordThreads(api, setup.channelId, context.threads, (id) =>
      context.sessionLink(id),
    );
    await threads.load();
    const who = (label: string) => context.people.describe(label);
    this.delivery = new Delivery({
      api,
      engine: context.engine,
      threads,
      wantsThread: (session) => context.wantsThread(session),
      approval: (id) => context.approvals.get(id),
      who,
    });
    const actions = new ChatActions({
      platform: "discord",
      engine: context.engine,
      approvals: context.approvals,
      users: context.users,
      allowList: context.settings.DISCORD_ALLOWED_USER_IDS,
      settings: context.settings,
      who,
    });
    const seen = (id: string, name: string) => context.people.seen(id, name);
    handleInteractions(client, {
      applicationId: setup.applicationId,
      actions,
      commands: new ChatCommands({
        platform: "discord",
        actions,
        engine: context.engine,
        format: DISCORD_FORMAT,
        seen,
        sessionLink: (id) => context.sessionLink(id),
      }),
      threads,
      log: context.log,
      seen,
      who,
    });
    await api.applicationCommands
      .bulkOverwriteGuildCommands(setup.applicationId, setup.guildId, [TETHER_COMMAND])
      .catch((error: unknown) =>
        context.log.warn(
          { error: this.describe(error) },
          "could not register /tether for the Discord server; buttons and replies still work",
        ),
      );
    this.threads = threads;
    this.live.resolve();
    this.tracker.up();
    gateway.on(WebSocketShardEvents.Ready, () => this.tracker.recovered("gateway"));
    gateway.on(WebSocketShardEvents.Resumed, () => this.tracker.recovered("gateway"));
    // A refusal said by its close code, which names what to fix; the library's own error for
    // it (when the first connect fails) would not.
    let refusal: string | undefined;
    gateway.on(WebSocketShardEvents.Closed, (code) => {
      if (this.stopped) return;
      refusal = GATEWAY_REFUSALS[code];
      this.tracker.failed(
        "gateway",
        refusal ?? `the Discord gateway closed (${code}); reconnecting`,
      );
      if (refusal) context.log.error({ code }, refusal);
    });
    // The library reports a refused IDENTIFY (4004, 4014) as an error event as well as the close:
    // with nobody listening it would be an unhandled rejection. The close above says it in health.
    gateway.on(WebSocketShardEvents.Error, (error) => {
      if (this.stopped) return;
      context.log.warn({ error: this.describe(error) }, "the Discord gateway reported an error");
    });
    gateway.connect().catch((error: unknown) => {
      if (this.stopped) return;
      const why = refusal ?? this.describe(error);
      this.tracker.failed("gateway", why);
      context.log.error({ error: why }, "the Discord gateway did not connect");
    });
    context.log.info(
      { channel_id: setup.channelId },
      `Discord bridge posting to #${setup.channelName} as ${setup.botName}`,
    );
  }

  private notLive(error: unknown): void {
    const why = error instanceof SetupProblem ? error.message : this.describe(error);
    if (error instanceof SetupProblem && !error.fixable) {
      this.giveUp(why);
      return;
    }
    this.tracker.waiting(why);
    this.context!.log.warn({ error: why }, "Discord bridge not started yet; trying again");
  }

  /** A setting only a restart can change is wrong: said once, in the log and in health. */
  private giveUp(why: string): void {
    this.stopped = true;
    this.live.reject(new Error(why));
    void this.follow?.close();
    this.tracker.waiting(why);
    this.tracker.stopped();
    this.context!.log.error({ error: why }, "Discord bridge not started");
  }

  /** Start-up could not finish: tries again (doubling up to a minute) until it can. */
  private keepTrying(): Promise<void> {
    return retryWithBackoff({
      attempt: async () => {
        const setup = await checkSetup(
          this.discord!.client.api,
          this.context!.settings.DISCORD_CHANNEL_ID!,
        );
        if (!this.stopped) await this.goLive(setup);
      },
      failed: (error) => this.notLive(error),
      stopped: () => this.stopped,
      waker: this.waker,
      waitFirst: true,
    });
  }

  // ---------- delivery ----------

  private async deliver(event: StoredEvent, alsoThrough: (seq: number) => void): Promise<void> {
    try {
      await this.delivery!.deliver(event, alsoThrough);
    } catch (error) {
      const code = discordCode(error);
      if (code !== undefined && THREAD_GONE.has(code) && (await this.replaceThread(event))) {
        throw error;
      }
      if (code === undefined || !REFUSED_CONTENT.has(code)) throw error;
      this.context!.log.warn(
        { session_id: event.session_id, seq: event.seq, type: event.type, code },
        "Discord refused a message for good; it is passed over (the web app has it)",
      );
    }
    this.tracker.recovered(`session ${event.session_id}`);
  }

  /** Someone deleted the session's thread: a new one, where the event is tried again (the
   * follow retries it). False when the session has no thread. */
  private async replaceThread(event: StoredEvent): Promise<boolean> {
    const { engine, threads, log } = this.context!;
    const lost = await threads.of(event.session_id);
    if (!lost) return false;
    await this.threads!.replace(engine.getSessionById(event.session_id), lost);
    log.warn(
      { session_id: event.session_id },
      "the session's Discord thread was deleted; opened a new one",
    );
    return true;
  }

  private describe(error: unknown): string {
    return describeError(error, this.token);
  }
}

function settleable() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
