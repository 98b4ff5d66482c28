// Notifications as one part of the daemon: VAPID keys, the subscription store, the channels
// (Web Push, ntfy), the answer links behind ntfy's buttons, the delivery queue and the notifier
// on the bus. The push and answer-link routes talk to this; daemon.ts starts it after the engine
// and closes it before the database.
import type { Logger } from "pino";
import type { Bus } from "../bus/bus.js";
import { TetherError } from "../core/errors.js";
import type { PushSubscriptionRecord, PushSubscriptionStore } from "../core/store.js";
import type {
  PushSubscriptionBody,
  PushSubscriptionInfo,
  PushTestReply,
} from "../shared/schemas.js";
import { AnswerLinks, loadOrCreateAnswerLinkKey } from "./answer-links.js";
import { originOf, type TetherNotification, testNotification } from "./notification.js";
import { Notifier } from "./notifier.js";
import { NtfyChannel } from "./ntfy-channel.js";
import { endpointProblem } from "./push-endpoint.js";
import { SendQueue } from "./send-queue.js";
import { loadOrCreateVapidKeys } from "./vapid-keys.js";
import { WebPushChannel } from "./web-push-channel.js";

export interface NotificationsOptions {
  /** Where the browsers' subscriptions are kept (the store's). */
  pushSubscriptions: PushSubscriptionStore;
  bus: Bus;
  dataDir: string;
  log: Logger;
  vapidSubject: string;
  /** TETHER_PUSH_ALLOW_PRIVATE: push endpoints may be loopback/private (tests, own relays). */
  allowPrivatePush: boolean;
  ntfy: { url: string; token: string | undefined } | undefined;
  /** Base of the links in notifications that leave the browser (ntfy's click target). */
  publicUrl: () => string;
  /** TETHER_ANSWER_LINK_TTL_S: how long an ntfy button's answer link works. */
  answerLinkTtlS: number;
  sessionName(sessionId: string): string | undefined;
}

export class Notifications {
  readonly vapidPublicKey: string;
  /** Makes and checks the answer links (routes/answer-links.ts opens them). */
  readonly answerLinks: AnswerLinks;
  private readonly push: WebPushChannel;
  private readonly ntfy: NtfyChannel | undefined;
  private readonly queue: SendQueue;
  private readonly notifier: Notifier;
  private readonly log: Logger;
  private readonly closing = new AbortController();
  private readonly subscriptions: PushSubscriptionStore;
  private readonly allowPrivatePush: boolean;
  /** Subscription reads started by dispatch(), awaited on close (the database closes next). */
  private readonly reading = new Set<Promise<void>>();

  constructor(options: NotificationsOptions) {
    this.log = options.log.child({ part: "notify" });
    const keys = loadOrCreateVapidKeys(options.dataDir);
    this.vapidPublicKey = keys.publicKey;
    this.push = new WebPushChannel({
      subscriptions: options.pushSubscriptions,
      keys,
      subject: options.vapidSubject,
      allowPrivate: options.allowPrivatePush,
      log: this.log,
    });
    this.answerLinks = new AnswerLinks(
      loadOrCreateAnswerLinkKey(options.dataDir),
      options.answerLinkTtlS,
    );
    this.ntfy =
      options.ntfy &&
      new NtfyChannel({
        ...options.ntfy,
        publicUrl: options.publicUrl,
        answerLink: (approvalId, index) => this.answerLinks.make(approvalId, index),
      });
    this.queue = new SendQueue({ log: this.log });
    this.notifier = new Notifier({
      bus: options.bus,
      sessionName: options.sessionName,
      dispatch: (n) => this.dispatch(n),
    });
    this.subscriptions = options.pushSubscriptions;
    this.allowPrivatePush = options.allowPrivatePush;
  }

  start(): void {
    this.notifier.start();
  }

  async close(): Promise<void> {
    this.notifier.stop();
    this.closing.abort();
    await Promise.all(this.reading);
    await this.queue.close();
  }

  async subscribe(body: PushSubscriptionBody, userAgent: string | undefined) {
    const problem = endpointProblem(body.endpoint, this.allowPrivatePush);
    if (problem) throw new TetherError("bad_request", problem);
    const row: PushSubscriptionRecord = {
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      label: body.label || null,
      user_agent: userAgent ? userAgent.slice(0, 300) : null,
      created_at: new Date().toISOString(),
    };
    await this.subscriptions.upsert(row);
    this.push.changed();
    this.log.info({ origin: originOf(row.endpoint) }, "push subscription added");
    return info(row);
  }

  async unsubscribe(endpoint: string): Promise<void> {
    const deleted = await this.subscriptions.delete(endpoint);
    this.push.changed();
    if (deleted) {
      this.log.info({ origin: originOf(endpoint) }, "push subscription removed");
    }
  }

  async list(): Promise<PushSubscriptionInfo[]> {
    return (await this.push.subscriptions()).map(info);
  }

  /** Sends a test notification everywhere, once each, and says how it went. Only counts, and
   * only for endpoints that passed endpointProblem() (public https hosts, checked again when
   * sent): they say nothing about the user's own network, so this is no port-scan oracle. */
  async test(): Promise<PushTestReply> {
    const n = testNotification();
    const signal = this.closing.signal;
    const subs = await this.push.subscriptions();
    const outcomes = await Promise.all(subs.map((sub) => this.push.send(sub, n, signal)));
    const ntfy = this.ntfy ? await this.ntfy.send(n, signal) : undefined;
    return {
      subscriptions: subs.length,
      delivered: outcomes.filter((o) => o.result === "delivered").length,
      removed: outcomes.filter((o) => o.result === "gone").length,
      failed: outcomes.filter((o) => o.result === "retry" || o.result === "failed").length,
      ntfy: !ntfy ? "not_configured" : ntfy.result === "delivered" ? "delivered" : "failed",
    };
  }

  /** Queues `n` for every channel; the subscription list is read off the engine's path too. */
  private dispatch(n: TetherNotification): void {
    const { ntfy, push, queue } = this;
    if (ntfy) queue.push({ label: ntfy.label, run: (signal) => ntfy.send(n, signal) });
    const read = push.subscriptions().then(
      (subs) => {
        for (const sub of subs) {
          queue.push({
            label: `push ${originOf(sub.endpoint)}`,
            run: (signal) => push.send(sub, n, signal),
          });
        }
      },
      (error: unknown) => this.log.error({ err: error }, "cannot read push subscriptions"),
    );
    this.reading.add(read);
    void read.finally(() => this.reading.delete(read));
  }
}

function info(row: PushSubscriptionRecord): PushSubscriptionInfo {
  return {
    endpoint: row.endpoint,
    label: row.label,
    user_agent: row.user_agent,
    created_at: row.created_at,
  };
}
