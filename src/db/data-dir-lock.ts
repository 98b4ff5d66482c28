// One daemon per data dir: two engines on one database would each hand out the same seqs.
// SQLite would let both open it, so the daemon holds a pid file for as long as it runs.
//
// The file says "<pid> <start time>". A pid alone is not enough after `kill -9`: the dead
// daemon stays a zombie until its parent reaps it (and `kill(pid, 0)` still succeeds on a
// zombie), and its pid may be reused by an unrelated process. On Linux the start time from
// /proc/<pid>/stat tells the daemon that wrote the file from any later holder of the pid.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../startup-error.js";
import { StorageError } from "./storage-error.js";

/** Another daemon holds the data dir: start-up stops, naming its pid. */
export class DataDirBusyError extends StartupError {
  override name = "DataDirBusyError";
}

export interface DataDirLock {
  release(): void;
}

export const PID_FILE = "tether.pid";

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, PID_FILE);
  const me = `${process.pid} ${processStartTime(process.pid) ?? ""}`.trim();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw StorageError.from(error, path, "the pid file");
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && holderRuns(holder)) {
        throw new DataDirBusyError(
          `another Tether (pid ${holder.pid}) is using the data dir ${dataDir}; stop it, or pick another dir with --data-dir`,
        );
      }
      // Left behind by a daemon that was killed: take it over.
      rmSync(path, { force: true });
    }
  }
  throw new DataDirBusyError(`cannot lock the data dir ${dataDir}`);
}

interface Holder {
  pid: number;
  /** Absent in files written before start times were recorded, or off Linux. */
  startTime: string | undefined;
}

function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
  const [pidText, startTime] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, startTime: startTime || undefined } : undefined;
}

function holderRuns(holder: Holder): boolean {
  const proc = procStat(holder.pid);
  if (proc === "no-proc") return isAlive(holder.pid);
  if (proc === undefined) return false; // no such process
  if (proc.state === "Z" || proc.state === "X") return false; // killed, not yet reaped
  return holder.startTime === undefined || holder.startTime === proc.startTime;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  const proc = procStat(pid);
  return typeof proc === "object" ? proc.startTime : undefined;
}

/** The process's state and start time; undefined when it does not exist; "no-proc" off Linux. */
function procStat(pid: number): { state: string; startTime: string } | undefined | "no-proc" {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return "no-proc";
    try {
      readFileSync("/proc/self/stat");
    } catch {
      return "no-proc";
    }
    return undefined;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return "no-proc";
  return { state, startTime };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
