// Runs WAL checkpoints on its own connection, off the main thread: a checkpoint copies pages
// into the database file and fsyncs, which would otherwise add to the tail latency of writes.
// Started by checkpointer.ts when the WAL has grown; exits once writes have stopped.
import { workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import type { CheckpointWorkerData } from "./checkpointer.js";

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

const { path, intervalMs, idleChecks, restartAtFrames } = workerData as CheckpointWorkerData;
const db = new SqliteDatabase(path);
const BUSY_TIMEOUT = "busy_timeout = 5000";
/** Long enough to find a gap between the daemon's commits, short enough not to stall them. */
const RESTART_WAIT_MS = 20;
db.pragma(BUSY_TIMEOUT);

/** Copies what is left of the WAL and makes the next write start it over (RESTART), or also
 * empties the file (TRUNCATE). Waits at most `waitMs` for the daemon's writer to finish a
 * transaction: while it waits, it keeps that writer's next transaction waiting too. */
function startOver(mode: "RESTART" | "TRUNCATE", waitMs: number): boolean {
  db.pragma(`busy_timeout = ${waitMs}`);
  try {
    const [result] = db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[];
    return result?.busy === 0;
  } catch {
    return false;
  } finally {
    db.pragma(BUSY_TIMEOUT);
  }
}

let lastVersion = -1;
let quiet = 0;
const timer = setInterval(() => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)") as CheckpointResult[];
    // data_version changes whenever another connection has committed since the last look.
    const version = db.pragma("data_version", { simple: true }) as number;
    const caughtUp =
      result !== undefined && result.busy === 0 && result.log === result.checkpointed;
    quiet = caughtUp && version === lastVersion ? quiet + 1 : 0;
    lastVersion = version;
    // Under steady writes a PASSIVE checkpoint never quite catches up, so the WAL would never be
    // started over and would grow without end. Right after one, little is left to copy, so a
    // RESTART holds the daemon's writers back only briefly.
    if (result !== undefined && result.log >= restartAtFrames)
      startOver("RESTART", RESTART_WAIT_MS);
    if (quiet >= idleChecks && startOver("TRUNCATE", 0)) {
      clearInterval(timer);
      db.close();
    }
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs);
