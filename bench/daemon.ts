// Spawns the real daemon (`node dist/bundle/tether.js start`, the bundle users run) on loopback with a fresh data dir.
import type { ChildProcess } from "node:child_process";
import { spawnTracked, stopChild, tempDir } from "./children.js";
import { repoPath } from "./paths.js";
import { type Target, waitForStderr } from "./target.js";

export const CLI = repoPath("dist/bundle/tether.js");

/** Extra node flags for the daemon, e.g. BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p". */
const NODE_ARGS = (process.env.BENCH_DAEMON_NODE_ARGS ?? "").split(" ").filter(Boolean);

export interface SpawnedDaemon {
  child: ChildProcess;
  dataDir: { path: string; remove(): void };
  spawnedAt: number;
}

/** Settings of the caller's own that must not reach the daemon: Tether's, and a chat bridge's (a
 * bot token in the shell would have the bench post to a real group). */
const OWN_SETTINGS = /^(TETHER_|TELEGRAM_|SLACK_|DISCORD_)/;

/** Starts the process only; `port` 0 lets the daemon pick one; `extraEnv` adds settings (a
 * bridge's). */
export function spawnDaemon(port = 0, extraEnv: Record<string, string> = {}): SpawnedDaemon {
  const dataDir = tempDir("tether-bench-");
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!OWN_SETTINGS.test(key)) env[key] = value;
  }
  Object.assign(env, {
    TETHER_AGENT_HOST: "127.0.0.1",
    TETHER_AGENT_PORT: String(port),
    TETHER_AGENT_DATA_DIR: dataDir.path,
    TETHER_AGENT_LOG_LEVEL: "silent",
    TETHER_CONFIG: `${dataDir.path}/no-config.json`,
    // The bench measures the daemon's own cost, unauthenticated on loopback as before.
    TETHER_AGENT_DEV_MODE: "1",
    // The connections scenario holds up to 10,000 sockets from one address, beyond the
    // default per-client cap.
    TETHER_MAX_CONNECTIONS: "30000",
    TETHER_MAX_CONNECTIONS_PER_CLIENT: "30000",
    ...extraEnv,
  });
  const spawnedAt = performance.now();
  const child = spawnTracked(process.execPath, [...NODE_ARGS, CLI, "start"], env, dataDir.path);
  return { child, dataDir, spawnedAt };
}

export async function startDaemon(extraEnv: Record<string, string> = {}): Promise<Target> {
  const { child, dataDir } = spawnDaemon(0, extraEnv);
  let url: string;
  try {
    url = await waitForStderr(child, /Tether (http:\/\/\S+)/, 15_000);
  } catch (error) {
    await stopChild(child);
    dataDir.remove();
    throw error;
  }
  return {
    name: "tether",
    url,
    wsUrl: url.replace(/^http/, "ws"),
    pid: child.pid!,
    child,
    createSessions: (n) => createSessions(url, n),
    async stop() {
      await stopChild(child);
      dataDir.remove();
    },
  };
}

async function createSessions(url: string, n: number, concurrency = 32): Promise<string[]> {
  const ids: string[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${url}/external/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          agent_metadata: { name: "b", type: "custom" },
          session_name: `s${i}`,
        }),
      });
      if (res.status !== 200)
        throw new Error(`create session: HTTP ${res.status} ${await res.text()}`);
      ids[i] = ((await res.json()) as { session_id: string }).session_id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return ids;
}
