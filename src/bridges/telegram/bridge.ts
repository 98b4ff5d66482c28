// The Telegram bridge: a forum group where every session has a topic. Its events reach the
// topic through the bridge's durable cursor (delivery.ts), people answer there (updates.ts), and
// the bot long-polls, so no public URL is needed. Loaded only when TELEGRAM_BOT_TOKEN is set.
//
// Start-up checks the token and the group (setup-check.ts): a wrong one stops `tether start`
// with one line; a Telegram that does not answer leaves the bridge retrying in the background,
// its events waiting on disk.
import { setTimeout as sleep } from "node:timers/promises";
import type { SessionsFollow } from "../../core/follow-sessions.js";
import type { StoredEvent } from "../../core/store.js";
import type { Session } from "../../shared/schemas.js";
import { Wakeable } from "../../shared/wakeable.js";
import { StartupError } from "../../startup-error.js";
import { HealthTracker } from "../health.js";
import { bridgeSettingError } from "../host.js";
import { retryWithBackoff } from "../setup-retry.js";
import type { Bridge, BridgeContext, BridgeState, Thread } from "../types.js";
import { Delivery } from "./delivery.js";
import { checkSetup, type TelegramSetup } from "./setup-check.js";
import {
  type Bot,
  badRequest,
  describeError,
  isConflict,
  isRefusedToken,
  makeBot,
  TOPIC_GONE,
} from "./telegram-api.js";
import { Topics } from "./topics.js";
import { Typing } from "./typing.js";
import { handleUpdates } from "./updates.js";

export function telegramBridge(): Bridge {
  return new TelegramBridge();
}

/** The parts that exist once Telegram has accepted the token and the group. */
interface Live {
  setup: TelegramSetup;
  topics: Topics;
  delivery: Delivery;
  typing: Typing;
}

/** Refusals a retry cannot change: the event is logged and passed, or its session would be
 * stuck on it for good. */
const REFUSED_CONTENT =
  /can't parse entities|message is too long|MESSAGE_TOO_LONG|text is empty|BUTTON_DATA_INVALID|message to edit not found|message can't be edited|caption is too long/i;

class TelegramBridge implements Bridge {
  readonly name = "telegram";
  readonly pairWith = { command: "/pair", where: "in the bot's group" };
  private context: BridgeContext | undefined;
  private bot: Bot | undefined;
  private token = "";
  private live: Live | undefined;
  private follow: SessionsFollow | undefined;
  private stopped = false;
  /** Ends a retry's pause at stop. */
  private readonly waker = new Wakeable();
  private readonly tracker = new HealthTracker(() => this.follow?.stats().behind ?? 0);

  async start(context: BridgeContext): Promise<void> {
    this.context = context;
    const settings = context.settings;
    this.token = settings.TELEGRAM_BOT_TOKEN ?? "";
    const group = settings.TELEGRAM_FORUM_GROUP_ID;
    if (group === undefined) {
      throw bridgeSettingError(
        "TELEGRAM_FORUM_GROUP_ID",
        "TELEGRAM_FORUM_GROUP_ID is not set: the Telegram bridge needs the forum group it opens a topic per session in (its id, e.g. -1001234567890)",
      );
    }
    const bot = makeBot({ token: this.token, apiRoot: settings.TELEGRAM_API_ROOT });
    this.bot = bot;
    let setup: TelegramSetup;
    try {
      setup = await checkSetup(bot.api, group);
    } catch (error) {
      if (error instanceof StartupError) throw error;
      const why = this.describe(error);
      this.tracker.waiting(why);
      context.log.warn(
        { error: why },
        "Telegram did not answer at start; trying again in the background",
      );
      void this.keepTrying(group);
      return;
    }
    await this.goLive(setup);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.poke();
    this.live?.typing.stopAll();
    const bot = this.bot;
    if (bot?.isRunning()) {
      // Confirms the updates handled; bounded, as Telegram may be the thing that is down.
      await Promise.race([bot.stop().catch(() => {}), sleep(3000, undefined, { ref: false })]);
    }
    await this.follow?.close();
    this.tracker.stopped();
  }

  health(): BridgeState {
    return this.tracker.snapshotFor(this.context?.engine);
  }

  pairing(): boolean {
    return (this.context?.settings.TELEGRAM_ALLOWED_USER_IDS.length ?? 0) === 0;
  }

  async openThread(session: Session): Promise<Thread> {
    if (!this.live) {
      throw new Error(`Telegram is not reachable yet (${this.tracker.snapshot().last_error})`);
    }
    return this.live.topics.ensure(session);
  }

  // ---------- start-up ----------

  private async goLive(setup: TelegramSetup): Promise<void> {
    const context = this.context!;
    const bot = this.bot!;
    bot.botInfo = setup.me;
    const typing = new Typing(bot.api, setup.chatId);
    const topics = new Topics(bot.api, setup.chatId, context.threads, (id) =>
      context.sessionLink(id),
    );
    await topics.load();
    const who = (label: string) => context.people.describe(label);
    const delivery = new Delivery({
      api: bot.api,
      chatId: setup.chatId,
      engine: context.engine,
      topics,
      typing,
      wantsThread: (session) => context.wantsThread(session),
      approval: (id) => context.approvals.get(id),
      who,
    });
    handleUpdates(bot, {
      chatId: setup.chatId,
      engine: context.engine,
      approvals: context.approvals,
      topics,
      users: context.users,
      settings: context.settings,
      log: context.log,
      who,
      seen: (id, name) => context.people.seen(String(id), name),
      sessionLink: (id) => context.sessionLink(id),
    });
    bot.catch((failure) => {
      context.log.warn(
        { update_id: failure.ctx.update.update_id, error: this.describe(failure.error) },
        "handling a Telegram update failed",
      );
    });
    this.watchPolling(bot);
    this.live = { setup, topics, delivery, typing };
    // Sessions that had no topic when the bridge was first set up get one when they next do
    // something; their past is in the web app.
    this.follow = await context.followSessions({
      deliver: (event, alsoThrough) => this.deliver(event, alsoThrough),
      onError: (failure) => {
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
          "could not deliver to Telegram; trying again",
        );
      },
      from: "now",
      retry: { firstMs: 1000, maxMs: 15_000 },
    });
    this.tracker.up();
    void this.poll();
    context.log.info(
      { chat_id: setup.chatId, bot: setup.me.username },
      `Telegram bridge connected to "${setup.chatTitle}" as @${setup.me.username}`,
    );
  }

  /** Start-up could not reach Telegram: tries again (doubling up to a minute) until it can. */
  private keepTrying(group: string): Promise<void> {
    return retryWithBackoff({
      attempt: async () => {
        const setup = await checkSetup(this.bot!.api, group);
        if (!this.stopped) await this.goLive(setup);
      },
      failed: (error) => {
        const why = error instanceof StartupError ? error.message : this.describe(error);
        this.tracker.waiting(why);
        this.context!.log.warn({ error: why }, "Telegram bridge still not started; trying again");
      },
      stopped: () => this.stopped,
      waker: this.waker,
      waitFirst: true,
    });
  }

  // ---------- polling ----------

  /** Long polling until stopped; started again when Telegram ends it (401, 409). */
  private async poll(): Promise<void> {
    const bot = this.bot!;
    let failures = 0;
    while (!this.stopped) {
      try {
        await bot.start({
          allowed_updates: ["message", "callback_query"],
          onStart: () => {
            failures = 0;
          },
        });
        if (this.stopped) return;
      } catch (error) {
        if (this.stopped) return;
        failures++;
        const why = isConflict(error)
          ? "another program polls this bot's updates (409 Conflict): run one Tether per bot token"
          : isRefusedToken(error)
            ? "TELEGRAM_BOT_TOKEN was refused by Telegram (401 Unauthorized): check the token @BotFather gave you"
            : this.describe(error);
        this.tracker.failed("polling", why);
        this.context!.log.warn({ error: why }, "Telegram polling stopped; starting it again");
        await this.waker.wait(Math.min(2000 * 2 ** (failures - 1), 60_000));
      }
    }
  }

  /** grammY retries a failed getUpdates by itself: watched here so health says so. */
  private watchPolling(bot: Bot): void {
    bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== "getUpdates") return prev(method, payload, signal);
      try {
        const result = await prev(method, payload, signal);
        this.tracker.recovered("polling");
        return result;
      } catch (error) {
        if (!this.stopped && !signal?.aborted) this.tracker.failed("polling", this.describe(error));
        throw error;
      }
    });
  }

  // ---------- delivery ----------

  private async deliver(event: StoredEvent, alsoThrough: (seq: number) => void): Promise<void> {
    const what = `session ${event.session_id}`;
    try {
      await this.live!.delivery.deliver(event, alsoThrough);
    } catch (error) {
      const refusal = badRequest(error);
      if (refusal !== undefined && TOPIC_GONE.test(refusal)) await this.replaceTopic(event);
      if (refusal === undefined || !REFUSED_CONTENT.test(refusal)) throw error;
      this.context!.log.warn(
        {
          session_id: event.session_id,
          seq: event.seq,
          type: event.type,
          error: this.describe(error),
        },
        "Telegram refused a message for good; it is passed over (the web app has it)",
      );
    }
    this.tracker.recovered(what);
  }

  /** Someone deleted the session's topic: a new one, and the event is tried again there (the
   * follow retries it). */
  private async replaceTopic(event: StoredEvent): Promise<void> {
    const { engine, threads, log } = this.context!;
    const lost = await threads.of(event.session_id);
    if (!lost) return;
    const session = engine.getSessionById(event.session_id);
    await this.live!.topics.replace(session, lost);
    log.warn(
      { session_id: session.id },
      "the session's Telegram topic was deleted; opened a new one",
    );
  }

  // ---------- helpers ----------

  private describe(error: unknown): string {
    return describeError(error, this.token);
  }
}
