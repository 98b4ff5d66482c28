// The Slack bridge: a channel where every session has a thread. Its events reach the thread
// through the bridge's durable cursor (delivery.ts), people answer there with buttons, replies
// and `/tether` (interactions.ts), and Socket Mode brings their clicks, so no public URL is
// needed. Loaded only when SLACK_BOT_TOKEN is set.
//
// A wrong token, a bot not in the channel or a missing scope is one line in the log and in
// /api/health naming what to fix; the daemon runs on, and what can be fixed in Slack without a
// restart (inviting the bot, adding a scope) is checked again until it works. A Slack that does
// not answer leaves the bridge retrying, its events waiting on disk. The bridge's cursor is
// followed from the start, live or not, so a session that begins while the set-up waits (for
// the bot to be invited) gets its thread, and everything it said, once the bridge is live.
import type { SessionsFollow } from "../../core/follow-sessions.js";
import type { StoredEvent } from "../../core/store.js";
import type { Session } from "../../shared/schemas.js";
import { Wakeable } from "../../shared/wakeable.js";
import { ChatActions } from "../chat-actions.js";
import { HealthTracker } from "../health.js";
import { retryWithBackoff, SetupProblem } from "../setup-retry.js";
import type { Bridge, BridgeContext, BridgeState, Thread } from "../types.js";
import { Delivery } from "./delivery.js";
import { handleInteractions } from "./interactions.js";
import { checkSetup, refusal, type SlackSetup, setupRefusal } from "./setup-check.js";
import {
  connectSlack,
  describeError,
  disconnectSlack,
  platformError,
  type SlackConnection,
} from "./slack-api.js";
import { PARENT_GONE, SlackThreads } from "./threads.js";

export function slackBridge(): Bridge {
  return new SlackBridge();
}

/** Refusals a retry cannot change: the event is logged and passed, or its session would be
 * stuck on it for good. */
const REFUSED_CONTENT =
  /^(msg_too_long|invalid_blocks|invalid_blocks_format|no_text|too_many_attachments|invalid_attachments|message_not_found|cant_update_message|edit_window_closed)$/;

class SlackBridge implements Bridge {
  readonly name = "slack";
  readonly pairWith = { command: "/tether pair", where: "in the Slack channel" };
  private context: BridgeContext | undefined;
  private slack: SlackConnection | undefined;
  private tokens: string[] = [];
  private threads: SlackThreads | undefined;
  private delivery: Delivery | undefined;
  private follow: SessionsFollow | undefined;
  private stopped = false;
  /** A Socket Mode (re)connect is under way. */
  private connecting = false;
  private readonly waker = new Wakeable();
  /** Parents of session threads that someone deleted (Slack said so): the session's next
   * event opens a new thread. */
  private readonly deletedParents = new Set<string>();
  private readonly tracker = new HealthTracker(() => this.follow?.stats().behind ?? 0);
  /** Settles once the bridge is live (resolved) or stops before it (rejected): deliveries wait
   * for it. */
  private readonly live = settleable();
  /** What the start-up check found, once it passed. */
  private setup: SlackSetup | undefined;

  async start(context: BridgeContext): Promise<void> {
    this.context = context;
    const s = context.settings;
    this.tokens = [s.SLACK_BOT_TOKEN ?? "", s.SLACK_APP_TOKEN ?? ""];
    const missing = missingSetting(s.SLACK_APP_TOKEN, s.SLACK_CHANNEL_ID);
    if (missing) {
      this.giveUp(missing);
      return;
    }
    this.slack = connectSlack({
      botToken: s.SLACK_BOT_TOKEN ?? "",
      appToken: s.SLACK_APP_TOKEN ?? "",
      apiUrl: s.SLACK_API_URL,
      log: context.log,
    });
    this.follow = await context.followSessions({
      deliver: async (event, alsoThrough) => {
        await this.live.promise;
        await this.deliver(event, alsoThrough);
      },
      onError: (failure) => {
        if (this.stopped) return;
        const why =
          (this.setup && setupRefusal(failure.error, this.setup)) ?? this.describe(failure.error);
        this.tracker.failed(`session ${failure.session_id}`, why);
        context.log.warn(
          {
            session_id: failure.session_id,
            seq: failure.event?.seq,
            during: failure.during,
            retry_in_ms: failure.retryInMs,
            error: why,
          },
          "could not deliver to Slack; trying again",
        );
      },
      from: "now",
      retry: { firstMs: 1000, maxMs: 15_000 },
    });
    try {
      await this.goLive(await checkSetup(this.slack.app.client, s.SLACK_CHANNEL_ID!));
    } catch (error) {
      this.notLive(error);
      void this.keepTrying();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.poke();
    this.live.reject(new Error("the Slack bridge stopped"));
    if (this.slack) await disconnectSlack(this.slack);
    await this.follow?.close();
    this.tracker.stopped();
  }

  health(): BridgeState {
    return this.tracker.snapshotFor(this.context?.engine);
  }

  pairing(): boolean {
    return (this.context?.settings.SLACK_ALLOWED_USER_IDS.length ?? 0) === 0;
  }

  async openThread(session: Session): Promise<Thread> {
    if (!this.threads) {
      throw new Error(`Slack is not reachable yet (${this.tracker.snapshot().last_error})`);
    }
    return this.threads.ensure(session);
  }

  // ---------- start-up ----------

  private async goLive(setup: SlackSetup): Promise<void> {
    const context = this.context!;
    const { app, socket } = this.slack!;
    await app.init();
    const client = app.client;
    const threads = new SlackThreads(client, setup.channelId, context.threads, (id) =>
      context.sessionLink(id),
    );
    await threads.load();
    const who = (label: string) => context.people.describe(label);
    this.delivery = new Delivery({
      client,
      channel: setup.channelId,
      engine: context.engine,
      threads,
      wantsThread: (session) => context.wantsThread(session),
      approval: (id) => context.approvals.get(id),
      who,
    });
    const actions = new ChatActions({
      platform: "slack",
      engine: context.engine,
      approvals: context.approvals,
      users: context.users,
      allowList: context.settings.SLACK_ALLOWED_USER_IDS,
      settings: context.settings,
      who,
    });
    handleInteractions(app, {
      channel: setup.channelId,
      engine: context.engine,
      actions,
      threads,
      log: context.log,
      botUserId: setup.botUserId,
      seen: (id, name) => context.people.seen(id, name),
      who,
      sessionLink: (id) => context.sessionLink(id),
    });
    app.message(async ({ message }) => {
      if (message.subtype !== "message_deleted" || message.channel !== setup.channelId) return;
      if (threads.sessionOf(message.deleted_ts) !== undefined) {
        this.deletedParents.add(message.deleted_ts);
      }
    });
    app.error(async (error) => {
      context.log.warn({ error: this.describe(error) }, "handling a Slack interaction failed");
    });
    this.threads = threads;
    this.setup = setup;
    this.live.resolve();
    this.tracker.up();
    socket.on("disconnected", () => {
      if (this.stopped) return;
      this.tracker.failed("socket", "the Socket Mode connection closed; reconnecting");
      void this.connectSocket();
    });
    void this.connectSocket();
    context.log.info(
      { channel_id: setup.channelId },
      `Slack bridge posting to #${setup.channelName}`,
    );
  }

  /** Socket Mode brings clicks, replies and commands. Delivery does not need it, so it
   * connects beside it, again each time it closes (Slack asks for a refresh now and then), with
   * a pause that doubles up to a minute while Slack is unreachable or refuses the app token. */
  private async connectSocket(): Promise<void> {
    if (this.connecting) return;
    this.connecting = true;
    try {
      await retryWithBackoff({
        attempt: async () => {
          await this.slack!.socket.start();
          this.tracker.recovered("socket");
        },
        failed: (error) => {
          const why = refusal(error, "SLACK_APP_TOKEN")?.message ?? this.describe(error);
          this.tracker.failed("socket", why);
          this.context!.log.warn({ error: why }, "Slack Socket Mode did not connect; trying again");
        },
        stopped: () => this.stopped,
        waker: this.waker,
      });
    } finally {
      this.connecting = false;
    }
  }

  private notLive(error: unknown): void {
    const why = error instanceof SetupProblem ? error.message : this.describe(error);
    if (error instanceof SetupProblem && !error.fixable) {
      this.giveUp(why);
      return;
    }
    this.tracker.waiting(why);
    this.context!.log.warn({ error: why }, "Slack bridge not started yet; trying again");
  }

  /** A setting only a restart can change is wrong: said once, in the log and in health. */
  private giveUp(why: string): void {
    this.stopped = true;
    this.live.reject(new Error(why));
    void this.follow?.close();
    this.tracker.waiting(why);
    this.tracker.stopped();
    this.context!.log.error({ error: why }, "Slack bridge not started");
  }

  /** Start-up could not finish: tries again (doubling up to a minute) until it can. */
  private keepTrying(): Promise<void> {
    return retryWithBackoff({
      attempt: async () => {
        const setup = await checkSetup(
          this.slack!.app.client,
          this.context!.settings.SLACK_CHANNEL_ID!,
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
    const what = `session ${event.session_id}`;
    const thread = await this.context!.threads.of(event.session_id);
    if (thread && this.deletedParents.has(thread.thread_id)) await this.replaceThread(event);
    try {
      await this.delivery!.deliver(event, alsoThrough);
    } catch (error) {
      const refused = platformError(error);
      // Deleted without Slack telling us (the socket was down): found out by a reply refused.
      if (refused !== undefined && PARENT_GONE.test(refused) && (await this.replaceThread(event))) {
        throw error;
      }
      if (refused === undefined || !REFUSED_CONTENT.test(refused)) throw error;
      this.context!.log.warn(
        { session_id: event.session_id, seq: event.seq, type: event.type, error: refused },
        "Slack refused a message for good; it is passed over (the web app has it)",
      );
    }
    this.tracker.recovered(what);
  }

  /** Someone deleted the session's parent message: a new thread, where the session's events go
   * from now on (an event refused in the old one is tried again there: the follow retries it).
   * False when the session has no thread. */
  private async replaceThread(event: StoredEvent): Promise<boolean> {
    const { engine, threads, log } = this.context!;
    const lost = await threads.of(event.session_id);
    if (!lost) return false;
    await this.threads!.replace(engine.getSessionById(event.session_id), lost);
    this.deletedParents.delete(lost.thread_id);
    log.warn(
      { session_id: event.session_id },
      "the session's Slack thread was deleted; opened a new one",
    );
    return true;
  }

  // ---------- helpers ----------

  private describe(error: unknown): string {
    return describeError(error, this.tokens);
  }
}

function missingSetting(
  appToken: string | undefined,
  channel: string | undefined,
): string | undefined {
  if (appToken === undefined) {
    return "SLACK_APP_TOKEN is not set: the Slack bridge needs an app-level token (xapp-…) with connections:write for Socket Mode";
  }
  if (channel === undefined) {
    return "SLACK_CHANNEL_ID is not set: the Slack bridge needs the channel it opens a thread per session in (its id, e.g. C0123456789)";
  }
  return undefined;
}

/** A promise settled from outside, once; a rejection nobody awaits is not an unhandled one. */
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
