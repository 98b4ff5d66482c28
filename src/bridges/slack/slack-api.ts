// Bolt, set up the way the bridge uses it (Socket Mode, so no public URL), and what Slack's
// errors mean to us. Slack's SDK types stay in this folder; the rest of Tether sees the bridge.
import { App, LogLevel, SocketModeReceiver, webApi } from "@slack/bolt";
import type { Logger } from "pino";

export type BoltApp = InstanceType<typeof App>;
export type WebClient = BoltApp["client"];
type Receiver = InstanceType<typeof SocketModeReceiver>;
export type SocketClient = Receiver["client"];

export interface SlackSettings {
  botToken: string;
  appToken: string;
  /** The Web API's base, ending in `/` (`https://slack.com/api/`); Socket Mode's
   * apps.connections.open is called there too. */
  apiUrl: string;
  log: Logger;
}

export interface SlackConnection {
  app: BoltApp;
  /** Socket Mode's own client: its events say whether the socket is up. */
  socket: SocketClient;
}

/**
 * Web API calls: a 429 waits Slack's Retry-After (the whole client's queue pauses) and a 5xx or a
 * dropped connection is tried a few times quickly; beyond that the delivery cursor retries with
 * its own backoff, so one slow Slack never holds anything else. Set explicitly: the Socket Mode
 * client writes a default of 100 retries into the options it is given when none are there.
 */
const RETRY = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 };
/** One call may take this long before it counts as failed. */
const CALL_TIMEOUT_MS = 30_000;
/** How quickly a dead socket is noticed (Bolt's default is 5 s too; set, since App does not
 * pass it on). */
const PING_TIMEOUT_MS = 5000;

export function connectSlack(s: SlackSettings): SlackConnection {
  const clientOptions = {
    slackApiUrl: s.apiUrl,
    retryConfig: { ...RETRY },
    timeout: CALL_TIMEOUT_MS,
  };
  const logger = quietLogger(s.log);
  const receiver = new SocketModeReceiver({
    appToken: s.appToken,
    logger,
    clientPingTimeout: PING_TIMEOUT_MS,
    // The bridge reconnects itself (bridge.ts): the client's own reconnect gives up for good, and
    // leaves a rejected promise nobody handles, when Slack is unreachable at that moment.
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: { ...clientOptions, retryConfig: { ...RETRY } } },
  });
  const app = new App({
    token: s.botToken,
    receiver,
    logger,
    clientOptions,
    // The bridge checks the token first (setup-check.ts), with an error that names the setting,
    // then calls app.init(), whose auth.test Bolt keeps: without token verification Bolt would
    // call auth.test again before handling every event, each click's ack waiting on it.
    deferInitialization: true,
  });
  return { app, socket: receiver.client };
}

/** Stops Socket Mode for good. Bolt's stop does not wait for the socket's close handshake,
 * which leaves a 30 s timer behind; the client's own disconnect does. */
export async function disconnectSlack(c: SlackConnection): Promise<void> {
  await c.socket.disconnect().catch(() => {});
  await c.app.stop().catch(() => {});
}

/** Slack's answer `{ok: false, error}` (a refusal, not retried): its `error`, else undefined. */
export function platformError(error: unknown): string | undefined {
  const e = error as { code?: unknown; data?: { error?: unknown } };
  return e?.code === webApi.ErrorCode.PlatformError && typeof e.data?.error === "string"
    ? e.data.error
    : undefined;
}

/** A missing OAuth scope's name, from Slack's `missing_scope` answer. */
export function neededScope(error: unknown): string | undefined {
  const needed = (error as { data?: { needed?: unknown } })?.data?.needed;
  return typeof needed === "string" ? needed : undefined;
}

/** Tokens Slack does not take. */
export const REFUSED_TOKEN =
  /^(invalid_auth|not_authed|account_inactive|token_revoked|token_expired|not_allowed_token_type)$/;

/** What went wrong, for a log or health, with both tokens taken out. */
export function describeError(error: unknown, tokens: string[]): string {
  const refusal = platformError(error);
  let text = refusal
    ? `Slack refused: ${refusal}${neededScope(error) ? ` (needs the ${neededScope(error)} scope)` : ""}`
    : error instanceof Error
      ? error.message
      : String(error);
  for (const token of tokens) if (token) text = text.split(token).join("[token]");
  return text.replace(/xox[abpe]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g, "[token]");
}

/** Bolt and Socket Mode log through this: our logger at warn and above only, since they report
 * each reconnect at info, and never a token. */
function quietLogger(log: Logger) {
  let level = LogLevel.WARN;
  const clean = (args: unknown[]) =>
    args
      .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : safeJson(a)))
      .join(" ")
      .replace(/xox[abpe]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g, "[token]");
  return {
    debug: () => {},
    info: () => {},
    warn: (...args: unknown[]) => log.warn({ slack: clean(args) }, "Slack SDK warning"),
    error: (...args: unknown[]) => log.warn({ slack: clean(args) }, "Slack SDK error"),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
