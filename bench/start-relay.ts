// Spawns the bare relay (relay.ts, compiled) as a separate process.
import { fileURLToPath } from "node:url";
import { spawnTracked, stopChild } from "./children.js";
import { type Target, waitForStderr } from "./target.js";

const RELAY = fileURLToPath(new URL("./relay.js", import.meta.url));

export async function startRelay(): Promise<Target> {
  const child = spawnTracked(process.execPath, [RELAY], { ...process.env, RELAY_PORT: "0" });
  let url: string;
  try {
    url = await waitForStderr(child, /relay (http:\/\/\S+)/, 10_000);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    name: "relay",
    url,
    wsUrl: url.replace(/^http/, "ws"),
    pid: child.pid!,
    child,
    // The relay needs no registration: any id is a session.
    createSessions: async (n) => Array.from({ length: n }, (_, i) => `rs_${i}`),
    stop: () => stopChild(child),
  };
}
