// `tether start` to healthy: spawn → first 200 from /api/health, on a port chosen beforehand so
// polling can begin at once. The last run also settles and reports idle RSS. With a bridge
// configured (`env`), each run also waits for the bridge to be up, and the settling starts then.
import { request } from "node:http";
import { createServer } from "node:net";
import { rssMb, stopChild } from "../children.js";
import { spawnDaemon } from "../daemon.js";
import { sleep } from "../sockets.js";
import { median } from "../stats.js";
import { waitForStderr } from "../target.js";

export interface StartupResult {
  /** ms from spawn to the first 200 of /api/health, per run. */
  healthyMs: number[];
  medianHealthyMs: number;
  /** ms from spawn to the "Tether http://…" line, per run. */
  announcedMs: number[];
  rssAtHealthyMb: number[];
  idleRssMb: number;
  settleMs: number;
  /** ms from spawn to the bridge's being up (`bridgeUp`), per run. */
  bridgeUpMs?: number[];
}

export interface StartupOptions {
  /** Settings for the daemon (a bridge's). */
  env?: Record<string, string>;
  /** Called at each spawn; the check it returns is true once the bridge is up. */
  bridgeUp?: () => () => boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/health", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
    req.end();
  });
}

export async function startup(
  runs: number,
  settleMs: number,
  options: StartupOptions = {},
): Promise<StartupResult> {
  const healthyMs: number[] = [];
  const announcedMs: number[] = [];
  const rssAtHealthyMb: number[] = [];
  const bridgeUpMs: number[] = [];
  let idleRssMb = Number.NaN;
  for (let r = 0; r < runs; r++) {
    const port = await freePort();
    const { child, dataDir, spawnedAt } = spawnDaemon(port, options.env);
    const bridgeIsUp = options.bridgeUp?.();
    try {
      let announcedAt = Number.NaN;
      const announced = waitForStderr(child, /(Tether http)/, 15_000).then(() => {
        announcedAt = performance.now();
      });
      announced.catch(() => {});
      const deadline = spawnedAt + 15_000;
      for (;;) {
        if ((await healthStatus(port)) === 200) break;
        if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
        if (performance.now() > deadline) throw new Error("daemon not healthy within 15 s");
        await sleep(2);
      }
      healthyMs.push(performance.now() - spawnedAt);
      rssAtHealthyMb.push(rssMb(child.pid!));
      await announced;
      announcedMs.push(announcedAt - spawnedAt);
      if (bridgeIsUp) {
        for (;;) {
          if (bridgeIsUp()) break;
          if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
          if (performance.now() > deadline) throw new Error("bridge not up within 15 s");
          await sleep(2);
        }
        bridgeUpMs.push(performance.now() - spawnedAt);
      }
      if (r === runs - 1) {
        await sleep(settleMs);
        idleRssMb = rssMb(child.pid!);
      }
    } finally {
      await stopChild(child);
      dataDir.remove();
    }
  }
  return {
    healthyMs,
    medianHealthyMs: median(healthyMs),
    announcedMs,
    rssAtHealthyMb,
    idleRssMb,
    settleMs,
    ...(options.bridgeUp ? { bridgeUpMs } : {}),
  };
}
