// Runs WAL checkpoints on its own connection, off the main thread: a checkpoint copies pages
// into the database file and fsyncs, which would otherwise add to the tail latency of writes.
import { workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";

const { path } = workerData as { path: string };
const db = new SqliteDatabase(path);
db.pragma("busy_timeout = 5000");

const INTERVAL_MS = 500;
setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, INTERVAL_MS);
