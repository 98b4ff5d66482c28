// Starts the real daemon on a free port with a temporary data dir: in this process from the tsc
// build in dist/, or as `tether start` from the bundle users run (dist/bundle/tether.js).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { readTokenFile } from "../../dist/config/token-file.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { waitFor } from "./wait.js";

/** The CLI as installed: `bin.tether` in package.json. */
export const CLI = fileURLToPath(new URL("../../dist/bundle/tether.js", import.meta.url));

export function tempDir(prefix = "tether-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Environment for a daemon that reads no user config file and no .env. Its generated token
 * goes beside TETHER_CONFIG, in the data dir: tests never touch the real home. */
export function daemonEnv(
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TETHER_AGENT_HOST: "127.0.0.1",
    TETHER_AGENT_PORT: "0",
    TETHER_AGENT_DATA_DIR: dataDir,
    TETHER_AGENT_LOG_LEVEL: "silent",
    TETHER_CONFIG: join(dataDir, "no-config.json"),
    // Tests run their agents in temp dirs, outside the default root (the home directory).
    TETHER_ALLOWED_ROOTS: tmpdir(),
    ...extra,
  };
}

/** Where a daemon started with daemonEnv(dataDir) keeps its generated token. */
export function generatedTokenFile(dataDir: string): string {
  return join(dataDir, "token");
}

export interface TestDaemon {
  url: string;
  wsUrl: string;
  /** The token `api()` sends: the one passed in, else the one the daemon generated (none in
   * dev mode). */
  token: string | undefined;
  daemon: Daemon;
  dataDir: string;
  /** fetch against the daemon with the token (if any) and JSON body handling. */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  text: string;
}

export async function startTestDaemon(
  options: {
    token?: string;
    devMode?: boolean;
    dataDir?: string;
    host?: string;
    /** Extra TETHER_* settings, e.g. TETHER_AGENT_ADAPTER. */
    env?: Record<string, string>;
    /** The environment agent processes get (tests keep it hermetic). */
    agentEnv?: Record<string, string>;
  } = {},
): Promise<TestDaemon> {
  const dir = options.dataDir ? undefined : tempDir();
  const dataDir = options.dataDir ?? dir!.path;
  const extra: Record<string, string> = {};
  if (options.token) extra.TETHER_AGENT_TOKEN = options.token;
  if (options.devMode) extra.TETHER_AGENT_DEV_MODE = "1";
  if (options.host) extra.TETHER_AGENT_HOST = options.host;
  Object.assign(extra, options.env);
  const config = loadConfig({ env: daemonEnv(dataDir, extra), cwd: dataDir });
  const daemon = await startDaemon(config, options.agentEnv ? { agentEnv: options.agentEnv } : {});
  const url = daemon.url;
  const token = daemon.token;
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    token,
    daemon,
    dataDir,
    api: (method, path, body, headers) => callApi(url, token, method, path, body, headers),
    async close() {
      await daemon.close();
      dir?.remove();
    },
  };
}

export async function callApi(
  url: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

export interface SpawnedDaemon {
  url: string;
  /** The token it takes: TETHER_AGENT_TOKEN if given, else the one it generated. */
  token: string | undefined;
  process: ChildProcess;
  stderr(): string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `tether start` as a child process, for tests that kill or signal it. */
export async function spawnDaemon(
  dataDir: string,
  extra: Record<string, string> = {},
): Promise<SpawnedDaemon> {
  const child = spawn(process.execPath, [CLI, "start"], {
    env: { ...process.env, ...daemonEnv(dataDir, extra) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await waitFor(() => /Tether (https?:\/\/\S+)/.exec(stderr)?.[1], {
    timeoutMs: 15_000,
    what: () => `daemon to start; stderr so far:\n${stderr}`,
  });
  const token =
    extra.TETHER_AGENT_TOKEN ||
    (extra.TETHER_AGENT_DEV_MODE ? undefined : readTokenFile(generatedTokenFile(dataDir)));
  return {
    url,
    token,
    process: child,
    stderr: () => stderr,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Data dirs and `tether start` processes for one test file: each test's daemons are killed
 * (SIGKILL: nothing is left running) and their data dirs removed after it. */
export function useSpawnedDaemons(prefix = "tether-spawned-") {
  const daemons: SpawnedDaemon[] = [];
  const dirs: { remove(): void }[] = [];
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.kill("SIGKILL")));
    for (const dir of dirs.splice(0)) dir.remove();
  });
  return {
    dataDir(): string {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir.path;
    },
    async spawn(dataDir: string, extra: Record<string, string> = {}): Promise<SpawnedDaemon> {
      const d = await spawnDaemon(dataDir, extra);
      daemons.push(d);
      return d;
    },
  };
}
