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

const { path, intervalMs, idleChecks } = workerData as CheckpointWorkerData;
const db = new SqliteDatabase(path);
const BUSY_TIMEOUT = "busy_timeout = 5000";
db.pragma(BUSY_TIMEOUT);

/** Empties the WAL file. Gives up at once if a reader or writer is in the way: waiting would make
 * the daemon's writes wait behind it, on the main thread. */
function truncate(): boolean {
  db.pragma("busy_timeout = 0");
  try {
    const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as CheckpointResult[];
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
    if (quiet >= idleChecks && truncate()) {
      clearInterval(timer);
      db.close();
    }
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, intervalMs);
