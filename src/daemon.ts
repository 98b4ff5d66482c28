// Wiring: config → store → engine → bus → server. Nothing else constructs these parts.
import { resolve } from "node:path";
import type { Logger } from "pino";
import { ADAPTERS, KIND_ALIASES } from "./adapters/registry.js";
import { Supervisor } from "./adapters/supervisor.js";
import { LocalBus } from "./bus/bus.js";
import { listenPlan } from "./config/dev-mode.js";
import type { Config, ConfigKey } from "./config/schema.js";
import { loadOrCreateToken, TokenFileError } from "./config/token-file.js";
import { Engine } from "./core/engine.js";
import { type DataDirLock, lockDataDir } from "./db/data-dir-lock.js";
import { makePrivateDataDir } from "./db/private-dir.js";
import { SqlStore } from "./db/sql-store.js";
import { type OpenedSqlite, openSqlite } from "./db/sqlite.js";
import { StorageError } from "./db/storage-error.js";
import { createLogger } from "./logger.js";
import { Notifications } from "./notify/notifications.js";
import { VapidKeyError } from "./notify/vapid-keys.js";
import { buildServer, type RouteInfo } from "./server/app.js";
import {
  applyConnectionLimits,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  defaultMaxConnections,
} from "./server/connection-limits.js";
import type { App } from "./server/types.js";
import { VERSION } from "./version.js";

export interface Daemon {
  url: string;
  host: string;
  port: number;
  authRequired: boolean;
  /** The token clients must send; undefined in dev mode. */
  token: string | undefined;
  /** The file the token was generated into, when it was not configured. */
  tokenFile: string | undefined;
  /** Why the daemon bound to loopback only, when it did. */
  loopbackReason: string | undefined;
  /** Things fixed at start that the user should hear about (e.g. file modes narrowed). */
  notices: string[];
  engine: Engine;
  app: App;
  routes: RouteInfo[];
  dataDir: string;
  close(): Promise<void>;
}

export interface DaemonOptions {
  logger?: Logger;
  /** The environment agent processes get; the daemon's own by default. */
  agentEnv?: Readonly<Record<string, string>>;
}

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<Daemon> {
  const log = options.logger ?? createLogger(config.TETHER_AGENT_LOG_LEVEL);
  const dataDir = resolve(config.TETHER_AGENT_DATA_DIR);
  // Settings and the token first: a mistake there must not leave anything behind.
  const { host, note: loopbackReason } = listenPlan(config);
  const notices: string[] = [];
  const auth = resolveToken(config, notices);
  const { store, lock } = await openStorage(dataDir, notices);
  const closeStore = async () => {
    await store.close();
    lock.release();
  };

  const bus = new LocalBus({
    onSubscriberError: (subscriber, err, event) =>
      log.error(
        { err, subscriber, session_id: event.session_id, seq: event.seq },
        "a bus subscriber threw on an event and was dropped; it resumes by seq if it reconnects",
      ),
  });
  const engine = new Engine({
    store,
    bus,
    onStorageFailure: (err) => log.error({ err }, "database write failed; reloading state"),
  });
  await engine.init();
  const supervisor = new Supervisor({
    engine,
    bus,
    adapters: ADAPTERS,
    env: options.agentEnv ?? stringEnv(process.env),
    log,
    allowedRoots: config.TETHER_ALLOWED_ROOTS,
  });
  await supervisor.init();
  // After the supervisor took over: the sessions it moved to awaiting_input on a restart
  // are not news to anyone.
  let publicUrl = config.TETHER_PUBLIC_URL;
  let notifications: Notifications;
  try {
    notifications = new Notifications({
      pushSubscriptions: store.pushSubscriptions,
      bus,
      dataDir,
      log,
      vapidSubject: config.TETHER_VAPID_SUBJECT,
      allowPrivatePush: config.TETHER_PUSH_ALLOW_PRIVATE,
      ntfy: config.TETHER_NTFY_URL
        ? { url: config.TETHER_NTFY_URL, token: config.TETHER_NTFY_TOKEN }
        : undefined,
      publicUrl: () => publicUrl ?? "http://localhost:8787",
      sessionName: (id) => sessionName(engine, id),
    });
  } catch (error) {
    await supervisor.close();
    await closeStore();
    throw error instanceof VapidKeyError ? new StartupError(error.message) : error;
  }
  notifications.start();
  const agents = {
    kinds: supervisor.kinds,
    defaultKind: config.TETHER_AGENT_ADAPTER,
    resolveKind: (kind: string) => {
      const name = KIND_ALIASES[kind] ?? kind;
      return supervisor.runs(name) ? name : undefined;
    },
    runs: (kind: string) => supervisor.runs(kind),
    start: (id: string) => supervisor.start(id),
    stop: (id: string) => supervisor.stop(id),
    isAgentConnection: supervisor.isAgentConnection.bind(supervisor),
    allowedRoots: config.TETHER_ALLOWED_ROOTS,
  };

  const token = auth?.token;
  const authRequired = token !== undefined;

  const { app, routes } = await buildServer(
    { engine, bus, version: VERSION, authRequired, agents, push: notifications },
    {
      logger: log,
      token,
      site: {
        bindHost: host,
        publicUrl: config.TETHER_PUBLIC_URL,
        allowedHosts: config.TETHER_ALLOWED_HOSTS,
      },
    },
  );
  applyConnectionLimits(app.server, {
    maxConnections: config.TETHER_MAX_CONNECTIONS ?? defaultMaxConnections(),
    maxPerClient: config.TETHER_MAX_CONNECTIONS_PER_CLIENT,
    headersTimeoutMs: config.TETHER_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.TETHER_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  });
  try {
    await app.listen({ host, port: config.TETHER_AGENT_PORT });
  } catch (error) {
    await notifications.close();
    await supervisor.close();
    await app.close();
    await closeStore();
    throw listenError(error, host, config.TETHER_AGENT_PORT);
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.TETHER_AGENT_PORT;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  publicUrl ??= `http://${shownHost}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Commit what callers are waiting on, then close sockets, then the database.
      await engine.drain();
      await notifications.close();
      await supervisor.close();
      await app.close();
      await engine.drain();
      await closeStore();
      log.flush();
    })();
    return closing;
  };

  return {
    url: `http://${shownHost}:${port}`,
    host,
    port,
    authRequired,
    token,
    tokenFile: auth?.file,
    loopbackReason,
    notices,
    engine,
    app,
    routes,
    dataDir,
    close,
  };
}

/** Start-up failed for a reason the user can fix; the message says how. */
export class StartupError extends Error {
  override name = "StartupError";
  /** The setting whose value is the problem, when one is: the CLI names it as the user gave
   * it (`--data-dir`, or TETHER_AGENT_DATA_DIR from the environment or config). */
  readonly setting: ConfigKey | undefined;

  constructor(message: string, options: ErrorOptions & { setting?: ConfigKey } = {}) {
    super(message, options);
    this.setting = options.setting;
  }
}

/** The token clients must send: the configured one, else the generated one from its file
 * (made on first start); none in dev mode. */
function resolveToken(
  config: Config,
  notices: string[],
): { token: string; file: string | undefined } | undefined {
  if (config.TETHER_AGENT_DEV_MODE) return undefined;
  if (config.TETHER_AGENT_TOKEN !== undefined)
    return { token: config.TETHER_AGENT_TOKEN, file: undefined };
  try {
    const loaded = loadOrCreateToken(config.TETHER_AGENT_TOKEN_FILE);
    notices.push(...loaded.notes);
    return { token: loaded.token, file: config.TETHER_AGENT_TOKEN_FILE };
  } catch (error) {
    throw error instanceof TokenFileError ? new StartupError(error.message) : error;
  }
}

/** The data dir made private and locked, and the database opened, checked and migrated. Any
 * failure is one StartupError line naming the file, with the lock released. */
async function openStorage(
  dataDir: string,
  notices: string[],
): Promise<{ sqlite: OpenedSqlite; store: SqlStore; lock: DataDirLock }> {
  let lock: DataDirLock | undefined;
  let sqlite: OpenedSqlite | undefined;
  try {
    notices.push(...makePrivateDataDir(dataDir));
  } catch (error) {
    // The data dir itself cannot be used: its setting is the thing to change.
    if (!(error instanceof StorageError)) throw error;
    throw new StartupError(error.message, { cause: error, setting: "TETHER_AGENT_DATA_DIR" });
  }
  try {
    lock = lockDataDir(dataDir);
    sqlite = openSqlite(dataDir);
    const store = new SqlStore(sqlite.db, sqlite.close);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      sqlite = undefined;
      throw StorageError.from(error, resolve(dataDir, "tether.db"), "the database");
    }
    return { sqlite, store, lock };
  } catch (error) {
    await sqlite?.close().catch(() => {});
    lock?.release();
    throw error instanceof StorageError ? new StartupError(error.message, { cause: error }) : error;
  }
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      `port ${port} on ${host} is already in use (another Tether?); stop it, or choose another with --port or TETHER_AGENT_PORT`,
    );
  }
  if (code === "EACCES") {
    return new StartupError(`not allowed to listen on ${host}:${port}; choose a port above 1023`, {
      setting: "TETHER_AGENT_PORT",
    });
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(`cannot listen on ${host}: no such address on this machine`, {
      setting: "TETHER_AGENT_HOST",
    });
  }
  return error as Error;
}

/** A session's name; undefined once deleted (an event may outlive its session by a tick). */
function sessionName(engine: Engine, id: string): string | undefined {
  try {
    return engine.getSession(id).name;
  } catch {
    return undefined;
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
