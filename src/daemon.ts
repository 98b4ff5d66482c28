// Wiring: config → store → engine → bus → server. Nothing else constructs these parts.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { ADAPTERS, KIND_ALIASES } from "./adapters/registry.js";
import { Supervisor } from "./adapters/supervisor.js";
import { LocalBus } from "./bus/bus.js";
import type { Config } from "./config/schema.js";
import { Engine } from "./core/engine.js";
import { lockDataDir } from "./db/data-dir-lock.js";
import { SqlStore } from "./db/sql-store.js";
import { openSqlite } from "./db/sqlite.js";
import { createLogger } from "./logger.js";
import { Notifications } from "./notify/notifications.js";
import { VapidKeyError } from "./notify/vapid-keys.js";
import { buildServer, type RouteInfo } from "./server/app.js";
import type { App } from "./server/types.js";
import { VERSION } from "./version.js";

export interface Daemon {
  url: string;
  host: string;
  port: number;
  authRequired: boolean;
  /** Why the daemon bound to loopback only, when it did. */
  loopbackReason: string | undefined;
  engine: Engine;
  app: App;
  routes: RouteInfo[];
  dataDir: string;
  close(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";

export interface DaemonOptions {
  logger?: Logger;
  /** The environment agent processes get; the daemon's own by default. */
  agentEnv?: Readonly<Record<string, string>>;
}

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<Daemon> {
  const log = options.logger ?? createLogger(config.TETHER_AGENT_LOG_LEVEL);
  const dataDir = resolve(config.TETHER_AGENT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  const sqlite = openSqlite(dataDir);
  const store = new SqlStore(sqlite.db, sqlite.close);
  const closeStore = async () => {
    await store.close();
    lock.release();
  };
  try {
    await store.migrate();
  } catch (error) {
    await closeStore();
    throw error;
  }

  const bus = new LocalBus();
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
      db: sqlite.db,
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

  const token = config.TETHER_AGENT_DEV_MODE ? undefined : config.TETHER_AGENT_TOKEN;
  const authRequired = token !== undefined;
  let host = config.TETHER_AGENT_HOST;
  let loopbackReason: string | undefined;
  if (!authRequired && !config.TETHER_AGENT_DEV_MODE && host !== LOOPBACK && host !== "localhost") {
    loopbackReason =
      "no TETHER_AGENT_TOKEN is set, so Tether listens on 127.0.0.1 only; set a token to reach it from other devices";
    host = LOOPBACK;
  }

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
    loopbackReason,
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
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new StartupError(
      `port ${port} on ${host} is already in use (another Tether?); stop it, or choose another with --port or TETHER_AGENT_PORT`,
    );
  }
  if (code === "EACCES") {
    return new StartupError(`not allowed to listen on ${host}:${port}; choose a port above 1023`);
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(
      `cannot listen on ${host}: no such address on this machine (TETHER_AGENT_HOST)`,
    );
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
