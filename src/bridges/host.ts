// Opens the configured bridges as parts of the daemon (each registers its stop right after it
// loads, so a start-up that fails later stops it, and it stops before the engine and the store),
// gives each its paired users, and is what the routes ask of them: a new session's thread, each
// bridge's health and users, a pairing code, a revoke.
import type { Logger } from "pino";
import type { Bus } from "../bus/bus.js";
import type { Config, ConfigKey } from "../config/schema.js";
import type { Engine } from "../core/engine.js";
import { TetherError } from "../core/errors.js";
import { followSessions } from "../core/follow-sessions.js";
import type { BridgeUserStore } from "../core/store.js";
import type { Parts } from "../lifecycle.js";
import type { BridgeHealth, BridgeInfo, Session, ThreadInfo } from "../shared/schemas.js";
import { StartupError } from "../startup-error.js";
import { type IssuedCode, PairingCodes } from "./pairing-codes.js";
import {
  allowListSetting,
  defaultPairWith,
  type PairingNotice,
  pairingNotice,
} from "./pairing-notice.js";
import { PeopleNames } from "./people.js";
import { type BridgeRegistry, configuredBridges } from "./registry.js";
import type { Bridge, BridgeContext } from "./types.js";
import { PairedUsers } from "./users.js";

/** How long `POST /external/sessions` waits for a bridge to open the session's thread. */
export const OPEN_THREAD_TIMEOUT_MS = 10_000;

/** What a bridge throws from start() when a setting is wrong, e.g. `bridgeSettingError(
 * "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN was refused by Telegram (401 Unauthorized); …")`:
 * `tether start` prints the message as one line and exits 2, like any bad setting. */
export function bridgeSettingError(
  setting: ConfigKey,
  message: string,
  cause?: unknown,
): StartupError {
  return new StartupError(message, { setting, badSetting: true, cause });
}

/** A thread that was asked for and could not be opened in time: the session exists anyway. */
export interface ThreadOutcome {
  thread_info: ThreadInfo | null;
  /** Why there is no thread although the platform has a bridge (it is down, or slow). */
  thread_error?: string;
}

/** What the routes need of the bridges. */
export interface BridgeDoor {
  /** The session's thread on its own platform, opened now when that platform has a bridge;
   * `thread_info: null` without a bridge for it, or with `thread_error` when it failed. */
  openThread(session: Session): Promise<ThreadOutcome>;
  health(): BridgeHealth[];
  /** Each running bridge: its health, whether it pairs, and who paired on it. */
  list(): BridgeInfo[];
  /** A new one-time code for `/pair` on the bridge `name`. A TetherError: not_found when no
   * such bridge runs, bad_request when it does not pair (it has an allow list). */
  issuePairingCode(name: string): IssuedCode;
  /** The user may no longer answer on `name`, at once. not_found when no such bridge runs or
   * the user is not paired on it. */
  revokeUser(name: string, userId: string): Promise<void>;
}

export const NO_BRIDGES: BridgeDoor = {
  openThread: async () => ({ thread_info: null }),
  health: () => [],
  list: () => [],
  issuePairingCode: (name) => {
    throw bridgeNotRunning(name);
  },
  revokeUser: async (name) => {
    throw bridgeNotRunning(name);
  },
};

export type { PairingNotice } from "./pairing-notice.js";

export interface OpenBridgesOptions {
  registry: BridgeRegistry;
  config: Readonly<Config>;
  engine: Engine;
  bus: Bus;
  log: Logger;
  parts: Parts;
  publicUrl: () => string;
  /** Where each platform's paired users are kept (the store's). */
  users: BridgeUserStore;
  /** Gets a notice for each bridge that pairs and has nobody paired once it started. */
  pairingNotices: PairingNotice[];
  openThreadTimeoutMs?: number;
}

interface Opened {
  bridge: Bridge;
  users: PairedUsers;
}

/** Loads and starts every configured bridge, in the registry's order; none loads without its
 * settings. A start that fails with a StartupError stops the daemon with that line; any other
 * failure becomes one naming the bridge. */
export async function openBridges(options: OpenBridgesOptions): Promise<BridgeDoor> {
  const { config, parts } = options;
  const opened: Opened[] = [];
  const people = new PeopleNames((platform, userId) =>
    opened.find((o) => o.bridge.name === platform)?.users.nameOf(userId),
  );
  for (const [name, entry] of configuredBridges(options.registry, config)) {
    const users = await PairedUsers.load(
      name,
      options.users,
      new PairingCodes(),
      options.log.child({ bridge: name }),
    );
    const bridge = await entry.load();
    parts.add(`bridge ${name}`, () => bridge.stop());
    try {
      await bridge.start(contextFor(name, users, people, options));
    } catch (error) {
      if (error instanceof StartupError) throw error;
      throw new StartupError(`the ${name} bridge could not start: ${messageOf(error)}`, {
        cause: error,
      });
    }
    opened.push({ bridge, users });
    if (bridge.pairing?.() && users.count() === 0) {
      options.pairingNotices.push(pairingNotice(name, users.issueCode().code, bridge.pairWith));
    }
  }
  if (opened.length === 0) return NO_BRIDGES;
  const timeoutMs = options.openThreadTimeoutMs ?? OPEN_THREAD_TIMEOUT_MS;
  const find = (name: string): Opened => {
    const found = opened.find((o) => o.bridge.name === name);
    if (!found) throw bridgeNotRunning(name);
    return found;
  };
  const health = (b: Bridge): BridgeHealth => ({ name: b.name, ...b.health() });
  return {
    health: () => opened.map((o) => health(o.bridge)),
    list: () =>
      opened.map(({ bridge, users }) => ({
        ...health(bridge),
        pairing: bridge.pairing?.() ?? false,
        pair_command: (bridge.pairWith ?? defaultPairWith(bridge.name)).command,
        pair_where: (bridge.pairWith ?? defaultPairWith(bridge.name)).where,
        users: users.list().map(({ user_id, name, paired_at }) => ({ user_id, name, paired_at })),
      })),
    issuePairingCode: (name) => {
      const { bridge, users } = find(name);
      if (!bridge.pairing?.()) {
        throw new TetherError(
          "bad_request",
          `the ${name} bridge does not pair: it answers only the users its allow list names${hintOf(allowListSetting(name))}`,
        );
      }
      return users.issueCode();
    },
    revokeUser: async (name, userId) => {
      if (!(await find(name).users.revoke(userId))) {
        throw new TetherError("not_found", `no user ${userId} is paired on ${name}`);
      }
    },
    openThread: async (session) => {
      const bridge = opened.find((o) => o.bridge.name === session.platform)?.bridge;
      if (!bridge?.openThread) return { thread_info: null };
      try {
        const thread = await withTimeout(
          (signal) => bridge.openThread!(session, signal),
          timeoutMs,
          `${bridge.name} did not open the thread within ${timeoutMs / 1000} s`,
        );
        return { thread_info: { thread_id: thread.thread_id, platform: thread.platform } };
      } catch (error) {
        const why = messageOf(error);
        options.log.warn(
          { bridge: bridge.name, session_id: session.id, err: error },
          "could not open a thread for a new session; the bridge opens it when it can",
        );
        return {
          thread_info: null,
          thread_error: `${why}; the session was created and gets its thread once ${bridge.name} answers`,
        };
      }
    },
  };
}

const hintOf = (setting: string | undefined) => (setting ? ` (${setting})` : "");

function bridgeNotRunning(name: string): TetherError {
  return new TetherError("not_found", `no bridge named ${name} is running (see GET /api/bridges)`);
}

function contextFor(
  name: string,
  users: PairedUsers,
  people: PeopleNames,
  options: OpenBridgesOptions,
): BridgeContext {
  const { engine, bus, config } = options;
  return {
    engine,
    approvals: engine.approvals,
    followSessions: (follow) => followSessions({ ...follow, engine, bus, consumer: name }),
    threads: {
      of: (sessionId) => engine.threadOf(sessionId, name),
      all: () => engine.readThreads(name),
      save: (sessionId, threadId, data) =>
        engine.saveThread({ session_id: sessionId, platform: name, thread_id: threadId, data }),
    },
    // Only what a bridge may do: revoking and making codes are the App API's.
    users: {
      isPaired: (userId) => users.isPaired(userId),
      pair: (code, user) => users.pair(code, user),
    },
    people: {
      seen: (userId, userName) => people.seen(name, userId, userName),
      describe: (label) => people.describe(label),
    },
    wantsThread: (session) => config.TETHER_BRIDGE_ALL_SESSIONS || session.platform === name,
    log: options.log.child({ bridge: name }),
    settings: config,
    publicUrl: options.publicUrl,
    sessionLink: (sessionId) => {
      const base = config.TETHER_PUBLIC_URL;
      return base === undefined ? undefined : `${base.replace(/\/+$/, "")}/#/sessions/${sessionId}`;
    },
  };
}

async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([work(abort.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
