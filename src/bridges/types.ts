// A chat bridge (Telegram, Slack, Discord) as the daemon sees it: a small interface of ours that
// every platform's folder implements, and the context it is started with. A platform's SDK and
// its types stay inside its folder (test/architecture); nothing here imports one.
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Approvals } from "../core/approvals.js";
import type { Engine } from "../core/engine.js";
import type { FollowSessionsOptions, SessionsFollow } from "../core/follow-sessions.js";
import type { Thread } from "../core/rows.js";
import type { BridgeHealth, Session } from "../shared/schemas.js";

export type { Thread } from "../core/rows.js";

/** What a bridge says about itself in /api/health and `tether status` (its name is added). */
export type BridgeState = Omit<BridgeHealth, "name">;

export interface Bridge {
  /** The platform's name, as in the registry and a session's `platform` (`telegram`). */
  readonly name: string;
  /**
   * Connects and starts delivering. Resolves once the platform has accepted the bridge (e.g.
   * the token and the group checked), so a daemon that says it started has its bridges. A
   * problem the user can fix (a refused token, a group that is not a forum) is thrown as a
   * StartupError naming the setting (see bridgeSettingError); the daemon then stops with that
   * one line. A platform that is merely unreachable is not that: say `retrying` in health()
   * and keep trying.
   */
  start(context: BridgeContext): Promise<void>;
  /** Stops taking and delivering anything and puts its cursors on disk (its follows closed);
   * called once, before the engine and the store close. */
  stop(): Promise<void>;
  health(): BridgeState;
  /**
   * Opens the session's thread now (or returns the one it has), for `POST /external/sessions`
   * with this bridge's platform, and saves it with `context.threads.save`. Bounded by the
   * caller's timeout; aborted through `signal` when that runs out.
   */
  openThread?(session: Session, signal: AbortSignal): Promise<Thread>;
  /** True when the bridge takes its users by pairing (no allow list is configured, e.g.
   * TELEGRAM_ALLOWED_USER_IDS is empty): the daemon then issues a one-time code for `/pair` and
   * prints it when nobody is paired yet. Asked after start(). */
  pairing?(): boolean;
  /** How a user pairs on this platform: the command before the code (`/pair`, `/tether pair`)
   * and where to send it (`in the bot's group`). */
  readonly pairWith?: { command: string; where: string };
}

/** What the engine offers a bridge besides approvals: read sessions and their history, speak
 * for the human. */
export type BridgeEngine = Pick<
  Engine,
  | "listSessions"
  | "getSessionById"
  | "readEvents"
  | "sendInput"
  | "interrupt"
  | "createSession"
  | "renameSession"
>;

/** One platform's threads, bound to its name (kept in the engine's memory after one read). */
export interface BridgeThreads {
  of(sessionId: string): Promise<Thread | undefined>;
  all(): Promise<Thread[]>;
  /** Records (or replaces) the session's thread; resolves once it is on disk. */
  save(sessionId: string, threadId: string, data?: Record<string, unknown>): Promise<Thread>;
}

/** A chat user allowed to answer on a bridge because they sent `/pair <code>`. */
export interface BridgeUser {
  platform: string;
  /** The platform's user id, as a string (`1001`). */
  user_id: string;
  /** How the platform names them (`@ada`, `Ada Lovelace`), for `tether bridges`. */
  name: string;
  paired_at: string;
}

/** One platform's paired users (kept in memory after one read at start). */
export interface BridgeUsers {
  /** Whether the user was paired on this platform (and not revoked since). */
  isPaired(userId: string): boolean;
  /** A `/pair <code>` from the platform: when the code is one the daemon issued for this
   * platform and has not been used, the user is stored as paired (on disk before this resolves)
   * and the code is spent. Otherwise false, and nothing changes. */
  pair(code: string, user: { id: string; name: string }): Promise<boolean>;
}

export interface BridgeContext {
  engine: BridgeEngine;
  /** Ask, resolve (with the Actor the bridge authenticated), withdraw, settled. */
  approvals: Approvals;
  /** Every session's events after this bridge's durable cursor, then live (core/follow-sessions),
   * with the bridge's name as the consumer. */
  followSessions(
    options: Omit<FollowSessionsOptions, "engine" | "bus" | "consumer">,
  ): Promise<SessionsFollow>;
  threads: BridgeThreads;
  /** Users paired with `/pair` on this platform. */
  users: BridgeUsers;
  /** How people are called on every platform (shared by the bridges). */
  people: {
    /** Someone on this platform was seen with this name (`@ada`). */
    seen(userId: string, name: string): void;
    /** A label (`telegram:1001`, `web:phone`) said for a person, as plain text. */
    describe(label: string): string;
  };
  /** Whether `session` gets a thread on this bridge: every session with
   * TETHER_BRIDGE_ALL_SESSIONS (the default), else only those whose platform is this one. */
  wantsThread(session: Session): boolean;
  /** A child of the daemon's logger, with `bridge: <name>`. Never log a token. */
  log: Logger;
  /** The settings, validated and frozen: the bridge reads its own (TELEGRAM_*). */
  settings: Readonly<Config>;
  /** Where the web app is (TETHER_PUBLIC_URL or the daemon's own URL), for links. */
  publicUrl(): string;
  /** The link to a session in the web app, when TETHER_PUBLIC_URL says where people reach it. */
  sessionLink(sessionId: string): string | undefined;
}
