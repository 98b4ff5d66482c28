// One daemon per data dir: two engines on one database would each hand out the same seqs.
// SQLite would let both open it, so the daemon holds a pid file for as long as it runs.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataDirBusyError extends Error {
  override name = "DataDirBusyError";
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, "tether.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (isAlive(holder) && holder !== process.pid) {
        throw new DataDirBusyError(
          `another Tether (pid ${holder}) is using the data dir ${dataDir}; stop it, or pick another dir with --data-dir`,
        );
      }
      // Left behind by a daemon that was killed: take it over.
      rmSync(path, { force: true });
    }
  }
  throw new DataDirBusyError(`cannot lock the data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
