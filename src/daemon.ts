// Wiring: config → store → engine → bus → server. Nothing else constructs these parts.
import { resolve } from "node:path";
import type { Logger } from "pino";
import { ADAPTER_LOADERS } from "./adapters/registry.js";
import { Supervisor } from "./adapters/supervisor.js";
import { openBridges, type PairingNotice } from "./bridges/host.js";
import { BRIDGES, type BridgeRegistry } from "./bridges/registry.js";
import { LocalBus } from "./bus/bus.js";
import { type ListenPlan, listenPlan } from "./config/dev-mode.js";
import { ConfigError } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { loadTlsFiles } from "./config/tls-files.js";
import { loadOrCreateToken } from "./config/token-file.js";
import { Engine } from "./core/engine.js";
import { lockDataDir } from "./db/data-dir-lock.js";
import { makePrivateDataDir } from "./db/private-dir.js";
import { SqlStore } from "./db/sql-store.js";
import { openSqlite } from "./db/sqlite.js";
import { StorageError } from "./db/storage-error.js";
import { HookRelay, type RelayOptions } from "./hooks/relay.js";
import { ReplyWaiter } from "./hooks/reply-waiter.js";
import { TerminalWatch } from "./hooks/terminal-watch.js";
import { Parts } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { Notifications } from "./notify/notifications.js";
import { buildServer, type RouteInfo } from "./server/app.js";
import {
  applyConnectionLimits,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  defaultMaxConnections,
} from "./server/connection-limits.js";
import type { App } from "./server/types.js";
import { StartupError } from "./startup-error.js";
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
  /** Serving HTTPS with TETHER_TLS_CERT: that certificate file's contents (clients trust it). */
  tlsCert: string | undefined;
  /** Why the daemon bound to loopback only, when it did. */
  loopbackReason: string | undefined;
  /** Things fixed at start that the user should hear about (e.g. file modes narrowed). */
  notices: string[];
  /** A chat bridge that pairs and has nobody paired: the one-time code to send (a credential,
   * for a terminal only), and what to say without it. */
  pairingNotices: PairingNotice[];
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
  /** The chat bridges by platform (src/bridges/registry.ts by default); tests put a fake here. */
  bridges?: BridgeRegistry;
  /** How long POST /external/sessions waits for a bridge to open a thread (default 10 s). */
  openThreadTimeoutMs?: number;
  /** How long a terminal hook waits for a remote answer (tests make these short). */
  hookWaits?: RelayOptions["waits"];
  /** How often terminal sessions' agent processes are checked (tests make it short). */
  terminalCheckMs?: number;
}

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<Daemon> {
  const log = options.logger ?? createLogger(config.TETHER_AGENT_LOG_LEVEL);
  const parts = new Parts(log);
  try {
    return await openParts(config, options, log, parts);
  } catch (error) {
    // Close exactly what opened, newest first. A close that fails is logged; why start-up
    // failed is still what the caller hears.
    await parts.closeAll().catch(() => {});
    log.flush();
    throw error;
  }
}

/** Opens the parts in order, each registering its close as it opens, so they close in reverse:
 * in-flight commits (drained: callers waiting on a commit get their answer) → server →
 * bridges (newest first) → notifications → supervisor → engine (drained again: what came in while the doors closed) →
 * store → data-dir lock. */
async function openParts(
  config: Config,
  options: DaemonOptions,
  log: Logger,
  parts: Parts,
): Promise<Daemon> {
  const dataDir = resolve(config.TETHER_AGENT_DATA_DIR);
  // Settings and the token first: a mistake there must not leave anything behind.
  const { host, note: loopbackReason } = checkedListenPlan(config);
  const notices: string[] = [];
  const pairingNotices: PairingNotice[] = [];
  const auth = resolveToken(config, notices);
  const tls = loadTlsFiles(config, notices);
  const scheme = tls ? "https" : "http";
  const { store } = await openStorage(dataDir, notices, parts);

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
  parts.add("engine", () => engine.drain());
  const supervisor = new Supervisor({
    engine,
    bus,
    adapters: ADAPTER_LOADERS,
    env: options.agentEnv ?? stringEnv(process.env),
    log,
    allowedRoots: config.TETHER_ALLOWED_ROOTS,
  });
  // Before init: it subscribes to the bus, then may fail.
  parts.add("supervisor", () => supervisor.close());
  await supervisor.init();
  // After the supervisor took over: the sessions it moved to awaiting_input on a restart
  // are not news to anyone.
  let publicUrl = config.TETHER_PUBLIC_URL;
  const notifications = new Notifications({
    pushSubscriptions: store.pushSubscriptions,
    bus,
    dataDir,
    log,
    vapidSubject: config.TETHER_VAPID_SUBJECT,
    allowPrivatePush: config.TETHER_PUSH_ALLOW_PRIVATE,
    ntfy: config.TETHER_NTFY_URL
      ? { url: config.TETHER_NTFY_URL, token: config.TETHER_NTFY_TOKEN }
      : undefined,
    publicUrl: () => publicUrl ?? `${scheme}://localhost:8787`,
    answerLinkTtlS: config.TETHER_ANSWER_LINK_TTL_S,
    sessionName: (id) => sessionName(engine, id),
  });
  parts.add("notifications", () => notifications.close());
  notifications.start();
  // After the notifications, before the server: they stop before the engine, and a bridge whose
  // settings are refused stops start-up before anything listens. None loads unless configured.
  const bridges = await openBridges({
    registry: options.bridges ?? BRIDGES,
    config,
    engine,
    bus,
    log,
    parts,
    publicUrl: () => publicUrl ?? `${scheme}://localhost:8787`,
    users: store.bridgeUsers,
    pairingNotices,
    openThreadTimeoutMs: options.openThreadTimeoutMs,
  });
  const terminals = new TerminalWatch({
    engine,
    approvals: engine.approvals,
    log,
    everyMs: options.terminalCheckMs,
  });
  parts.add("terminal watch", () => terminals.close());
  terminals.start();
  const agents = {
    defaultKind: config.TETHER_AGENT_ADAPTER,
    runs: (kind: string) => supervisor.runs(kind),
    start: (id: string) => supervisor.start(id),
    stop: (id: string) => supervisor.stop(id),
    isAgentConnection: supervisor.isAgentConnection.bind(supervisor),
    allowedRoots: config.TETHER_ALLOWED_ROOTS,
  };

  const token = auth?.token;
  const authRequired = token !== undefined;

  const { app, routes } = await buildServer(
    {
      engine,
      bus,
      version: VERSION,
      authRequired,
      agents,
      push: notifications,
      answerLinks: notifications.answerLinks,
      bridges,
      hooks: new HookRelay({
        engine,
        approvals: engine.approvals,
        replies: new ReplyWaiter(engine, bus),
        waits: { stopS: config.TETHER_TERMINAL_REPLY_WAIT_S, ...options.hookWaits },
      }),
    },
    {
      logger: log,
      token,
      // A client that never finishes the TLS handshake is cut off like one that never sends
      // its headers (the HTTP timeouts start only after it).
      https: tls && {
        cert: tls.cert,
        key: tls.key,
        handshakeTimeout: config.TETHER_HEADERS_TIMEOUT_MS,
      },
      site: {
        bindHost: host,
        publicUrl: config.TETHER_PUBLIC_URL,
        allowedHosts: config.TETHER_ALLOWED_HOSTS,
      },
    },
  );
  parts.add("server", () => app.close());
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
    throw listenError(error, host, config.TETHER_AGENT_PORT);
  }
  // Closed first, before the sockets: a caller waiting on a commit gets its answer.
  parts.add("in-flight commits", () => engine.drain());
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.TETHER_AGENT_PORT;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  const url = `${scheme}://${shownHost}:${port}`;
  publicUrl ??= url;

  return {
    url,
    tlsCert: tls?.cert,
    host,
    port,
    authRequired,
    token,
    tokenFile: auth?.file,
    loopbackReason,
    notices,
    pairingNotices,
    engine,
    app,
    routes,
    dataDir,
    close: () => parts.closeAll().finally(() => log.flush()),
  };
}

/** Where to listen. Dev mode beside a remote host or a token is a contradiction in the settings,
 * so start-up stops (exit 2, like any bad setting). */
function checkedListenPlan(config: Config): ListenPlan {
  try {
    return listenPlan(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new StartupError(error.message, { cause: error, badSetting: true });
  }
}

/** The token clients must send: the configured one, else the generated one from its file
 * (made on first start; a TokenFileError when that cannot be); none in dev mode. */
function resolveToken(
  config: Config,
  notices: string[],
): { token: string; file: string | undefined } | undefined {
  if (config.TETHER_AGENT_DEV_MODE) return undefined;
  if (config.TETHER_AGENT_TOKEN !== undefined)
    return { token: config.TETHER_AGENT_TOKEN, file: undefined };
  const loaded = loadOrCreateToken(config.TETHER_AGENT_TOKEN_FILE);
  notices.push(...loaded.notes);
  return { token: loaded.token, file: config.TETHER_AGENT_TOKEN_FILE };
}

/** The data dir made private and locked, and the database opened, checked and migrated. Any
 * failure is a StorageError naming the file (a DataDirBusyError when another daemon holds the
 * dir); what opened before it is closed with the other parts. */
async function openStorage(
  dataDir: string,
  notices: string[],
  parts: Parts,
): Promise<{ store: SqlStore }> {
  try {
    notices.push(...makePrivateDataDir(dataDir));
  } catch (error) {
    // The data dir itself cannot be used: its setting is the thing to change.
    if (!(error instanceof StorageError)) throw error;
    throw new StorageError(error.message, { cause: error, setting: "TETHER_AGENT_DATA_DIR" });
  }
  const lock = lockDataDir(dataDir);
  parts.add("data-dir lock", () => lock.release());
  const sqlite = openSqlite(dataDir);
  const store = new SqlStore(sqlite.db, sqlite.close);
  parts.add("store", () => store.close());
  try {
    await store.migrate();
  } catch (error) {
    throw StorageError.from(error, resolve(dataDir, "tether.db"), "the database");
  }
  return { store };
}

/** A listen that failed for a reason the user can fix, as a StartupError saying how. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      `port ${port} on ${host} is already in use (another Tether?); stop it, or choose another with --port or TETHER_AGENT_PORT`,
      { cause: error },
    );
  }
  if (code === "EACCES") {
    return new StartupError(`not allowed to listen on ${host}:${port}; choose a port above 1023`, {
      cause: error,
      setting: "TETHER_AGENT_PORT",
    });
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(`cannot listen on ${host}: no such address on this machine`, {
      cause: error,
      setting: "TETHER_AGENT_HOST",
    });
  }
  return error;
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
