// Opens the configured bridges as parts of the daemon (each registers its stop right after it
// loads, so a start-up that fails later stops it, and it stops before the engine and the store),
// and is what the routes ask of them: a new session's thread, and each bridge's health.
import type { Logger } from "pino";
import type { Bus } from "../bus/bus.js";
import type { Config, ConfigKey } from "../config/schema.js";
import type { Engine } from "../core/engine.js";
import { followSessions } from "../core/follow-sessions.js";
import type { Parts } from "../lifecycle.js";
import type { BridgeHealth, Session, ThreadInfo } from "../shared/schemas.js";
import { StartupError } from "../startup-error.js";
import { type BridgeRegistry, configuredBridges } from "./registry.js";
import type { Bridge, BridgeContext } from "./types.js";

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
}

export const NO_BRIDGES: BridgeDoor = {
  openThread: async () => ({ thread_info: null }),
  health: () => [],
};

export interface OpenBridgesOptions {
  registry: BridgeRegistry;
  config: Readonly<Config>;
  engine: Engine;
  bus: Bus;
  log: Logger;
  parts: Parts;
  publicUrl: () => string;
  openThreadTimeoutMs?: number;
}

/** Loads and starts every configured bridge, in the registry's order; none loads without its
 * settings. A start that fails with a StartupError stops the daemon with that line; any other
 * failure becomes one naming the bridge. */
export async function openBridges(options: OpenBridgesOptions): Promise<BridgeDoor> {
  const { config, parts } = options;
  const opened: Bridge[] = [];
  for (const [name, entry] of configuredBridges(options.registry, config)) {
    const bridge = await entry.load();
    parts.add(`bridge ${name}`, () => bridge.stop());
    try {
      await bridge.start(contextFor(name, options));
    } catch (error) {
      if (error instanceof StartupError) throw error;
      throw new StartupError(`the ${name} bridge could not start: ${messageOf(error)}`, {
        cause: error,
      });
    }
    opened.push(bridge);
  }
  if (opened.length === 0) return NO_BRIDGES;
  const timeoutMs = options.openThreadTimeoutMs ?? OPEN_THREAD_TIMEOUT_MS;
  return {
    health: () => opened.map((b) => ({ name: b.name, ...b.health() })),
    openThread: async (session) => {
      const bridge = opened.find((b) => b.name === session.platform);
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

function contextFor(name: string, options: OpenBridgesOptions): BridgeContext {
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
    // Pairing lands next: until then nobody is paired.
    users: { isPaired: () => false, pair: async () => false },
    wantsThread: (session) => config.TETHER_BRIDGE_ALL_SESSIONS || session.platform === name,
    log: options.log.child({ bridge: name }),
    settings: config,
    publicUrl: options.publicUrl,
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
