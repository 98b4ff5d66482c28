// Every process and temp dir the harness makes is registered here, so that it is removed on any
// exit: normal end, exception, Ctrl-C, or the harness's own hard deadline. A small shell
// watchdog per child kills it even if the harness itself is SIGKILLed.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const children = new Set<ChildProcess>();
const watchdogs = new Map<ChildProcess, ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      dirs.delete(path);
    },
  };
}

/** Spawns a child that is killed when the harness exits, however it exits. `orphanDir` is
 * removed too if the harness dies without cleaning up. */
export function spawnTracked(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  orphanDir = "",
): ChildProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  child.once("exit", () => {
    children.delete(child);
    const dog = watchdogs.get(child);
    watchdogs.delete(child);
    if (dog && dog.exitCode === null) dog.kill("SIGKILL");
  });
  if (child.pid !== undefined) {
    // Exits by itself once either the harness or the child is gone.
    const script = [
      'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done',
      'if ! kill -0 "$1" 2>/dev/null; then kill -9 "$2" 2>/dev/null; [ -n "$3" ] && rm -rf "$3"; fi',
    ].join("\n");
    const argv = ["-c", script, "watchdog", String(process.pid), String(child.pid), orphanDir];
    const dog = spawn("sh", argv, {
      stdio: "ignore",
      detached: true,
    });
    dog.unref();
    watchdogs.set(child, dog);
  }
  return child;
}

/** Asks the child to stop (SIGTERM), then kills it after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Synchronous last resort: kills every child and watchdog and removes every temp dir. */
export function killEverything(): void {
  for (const child of children) child.kill("SIGKILL");
  for (const dog of watchdogs.values()) dog.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Resident set size of a process in MB, from /proc/PID/status. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in seconds, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at state (field 3).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Busy and total CPU time of the whole machine so far, in seconds, from /proc/stat. */
function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy.
  const busy = total - (ticks[3] ?? 0) - (ticks[4] ?? 0);
  return { busy: busy / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export interface CpuUse {
  /** The measured process, % of one core. */
  target: number;
  /** This harness, % of one core. */
  harness: number;
  /** Everything else on the machine (other processes, kernel), % of one core: noise. */
  others: number;
}

/** Measures CPU use of the child, of this process and of the rest of the machine over an
 * interval, each as % of one core. */
export function cpuMeter(pid: number): () => CpuUse {
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  const h0 = process.cpuUsage();
  const m0 = machineCpuSeconds();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const h = process.cpuUsage(h0);
    const m = machineCpuSeconds();
    const target = ((cpuSeconds(pid) - c0) / seconds) * 100;
    const harness = ((h.user + h.system) / 1e6 / seconds) * 100;
    const busy = ((m.busy - m0.busy) / seconds) * 100;
    return { target, harness, others: Math.max(0, busy - target - harness) };
  };
}
