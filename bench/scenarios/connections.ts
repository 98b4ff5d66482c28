// Concurrent connections held: inbox viewers on /api/ws, opened in steps (2,000, then up to
// 10,000). At each step: the daemon's RSS, how many sockets are still open, and whether one
// event (a new session's "created" state) reaches every one of them.
import { readFileSync } from "node:fs";
import type WebSocket from "ws";
import { rssMb } from "../children.js";
import { openMany, sleep, terminateAll, until } from "../sockets.js";
import type { Target } from "../target.js";

export interface ConnectionStep {
  target: number;
  opened: number;
  failed: number;
  firstError: string | undefined;
  openSeconds: number;
  stillOpen: number;
  rssMb: number;
  /** Sockets that received the broadcast event, and how long until the last did. */
  reached: number;
  fanOutMs: number;
}

export interface ConnectionsResult {
  harnessOpenFilesLimit: number;
  daemonOpenFilesLimit: number;
  idleRssMb: number;
  steps: ConnectionStep[];
  maxHeld: number;
}

/** The soft "Max open files" limit of a process. */
export function openFilesLimit(pid: number | "self"): number {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

export async function connectionsHeld(target: Target, steps: number[]): Promise<ConnectionsResult> {
  const harnessLimit = openFilesLimit("self");
  const daemonLimit = openFilesLimit(target.pid);
  // Leave room for the processes' other descriptors.
  const cap = Math.min(harnessLimit, daemonLimit) - 200;
  const idleRssMb = rssMb(target.pid);
  const sockets: WebSocket[] = [];
  const counts: number[] = [];
  const result: ConnectionStep[] = [];
  try {
    for (const wanted of steps) {
      const goal = Math.min(wanted, cap);
      const t0 = performance.now();
      const base = sockets.length;
      const opened = await openMany(() => `${target.wsUrl}/api/ws`, goal - base, {
        concurrency: 64,
        deadlineMs: 60_000,
        setup: (ws, i) => {
          counts[base + i] = 0;
          ws.on("message", (raw) => {
            if (raw.toString().startsWith('{"type":"event"')) counts[base + i]!++;
          });
        },
      });
      sockets.push(...opened.sockets);
      const openSeconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      const stillOpen = sockets.filter((ws) => ws.readyState === ws.OPEN).length;
      const rss = rssMb(target.pid);

      const before = counts.map((c) => c ?? 0);
      const sent = performance.now();
      await target.createSessions(1);
      const reachedAll = () => counts.every((c, i) => c === undefined || c > before[i]!);
      await until(reachedAll, 10_000, 5);
      const fanOutMs = performance.now() - sent;
      const reached = counts.filter((c, i) => c !== undefined && c > before[i]!).length;
      result.push({
        target: wanted,
        opened: sockets.length,
        failed: opened.failed,
        firstError: opened.firstError,
        openSeconds,
        stillOpen,
        rssMb: rss,
        reached,
        fanOutMs,
      });
      if (opened.failed > 0 || goal < wanted) break;
    }
  } finally {
    terminateAll(sockets);
  }
  return {
    harnessOpenFilesLimit: harnessLimit,
    daemonOpenFilesLimit: daemonLimit,
    idleRssMb,
    steps: result,
    maxHeld: Math.max(0, ...result.map((s) => Math.min(s.stillOpen, s.reached))),
  };
}
