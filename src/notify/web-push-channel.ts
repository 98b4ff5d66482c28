// Web Push: encrypts the notification for each subscribed browser and POSTs it to that
// browser's push service, signed with the daemon's VAPID key.
//
// web-push builds the request (aes128gcm encryption, the VAPID JWT); we send it with fetch, so
// that we own the timeout, cancellation on shutdown and Retry-After (web-push's own sender does
// none of these), and so a push service on this machine may speak plain HTTP (see
// PushEndpoint in shared/schemas.ts).
import type { Logger } from "pino";
import type { PushSubscriptionRecord, PushSubscriptionStore } from "../core/store.js";
import { deadline } from "../shared/deadline.js";
import { originOf, type TetherNotification } from "./notification.js";
import { type Outcome, outcomeOfError, outcomeOfStatus } from "./outcome.js";
import { endpointProblem, resolvesPrivately } from "./push-endpoint.js";
import { pushPayload } from "./push-payload.js";
import type { VapidKeys } from "./vapid-keys.js";

const SEND_TIMEOUT_MS = 10_000;
/** How long a push service keeps a notification for a phone that is off: a question older than
 * a day has most likely been answered elsewhere. */
const TTL_SECONDS = 24 * 60 * 60;

type WebPushLib = typeof import("web-push");
let webPushLib: Promise<WebPushLib> | undefined;

/** Loaded on the first notification, not at start-up (DESIGN.md §9: start in ≤ 0.3 s). */
function loadWebPush(): Promise<WebPushLib> {
  webPushLib ??= import("web-push").then((m) => (m.default ?? m) as WebPushLib);
  return webPushLib;
}

export interface WebPushChannelOptions {
  subscriptions: PushSubscriptionStore;
  keys: VapidKeys;
  subject: string;
  /** TETHER_PUSH_ALLOW_PRIVATE: send to loopback/private endpoints too (tests, own relays). */
  allowPrivate: boolean;
  log: Logger;
}

export class WebPushChannel {
  /** The subscriptions, read once and kept: every notification needs them, and a query per
   * approval would put database work on the engine's thread for nothing. */
  private cached: Promise<PushSubscriptionRecord[]> | undefined;

  constructor(private readonly options: WebPushChannelOptions) {}

  subscriptions(): Promise<PushSubscriptionRecord[]> {
    this.cached ??= this.options.subscriptions.list().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  /** The subscriptions changed: read them again next time. */
  changed(): void {
    this.cached = undefined;
  }

  /** One attempt to deliver `n` to one browser. */
  async send(
    sub: PushSubscriptionRecord,
    n: TetherNotification,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const { keys, subject, log, allowPrivate } = this.options;
    // Checked again here: a subscription may predate the rule, and a name may now resolve
    // to a private address.
    if (
      !allowPrivate &&
      (endpointProblem(sub.endpoint, false) || (await resolvesPrivately(sub.endpoint)))
    ) {
      return { result: "failed", why: "endpoint is not a public push service" };
    }
    const webpush = await loadWebPush();
    let details: ReturnType<WebPushLib["generateRequestDetails"]>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        pushPayload(n),
        {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: TTL_SECONDS,
          urgency: n.kind === "approval" ? "high" : "normal",
        },
      );
    } catch {
      // Its messages can quote the endpoint; the keys were checked when stored, so say little.
      return { result: "failed", why: "could not encrypt for this subscription" };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) {
      if (name.toLowerCase() !== "content-length") headers[name] = String(value);
    }
    const bounded = deadline(signal, SEND_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(sub.endpoint, {
        method: "POST",
        headers,
        body: details.body,
        signal: bounded.signal,
        redirect: "error",
      });
    } catch (error) {
      return outcomeOfError(error);
    } finally {
      bounded.clear();
    }
    await res.body?.cancel().catch(() => {});
    if (res.status === 404 || res.status === 410) {
      await this.options.subscriptions.delete(sub.endpoint);
      this.changed();
      log.info(
        { origin: originOf(sub.endpoint), status: res.status },
        "push subscription expired; removed",
      );
      return { result: "gone" };
    }
    return outcomeOfStatus(res.status, res.headers.get("retry-after"));
  }
}
