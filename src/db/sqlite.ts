import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "./schema.js";
import { rememberSqliteHandle } from "./sqlite-handle.js";

export interface OpenedSqlite {
  db: Kysely<Database>;
  /** The connection under `db`, for the store's synchronous commit path. */
  raw: SqliteDatabase.Database;
  path: string;
  close(): Promise<void>;
}

const CHECKPOINT_WORKER = new URL("./checkpoint-worker.js", import.meta.url);

/**
 * Opens (creating if needed) `tether.db` in `dataDir`. synchronous=FULL: a 2xx means the write
 * survives a power cut, and group commit keeps that cheap. Checkpoints run on a worker thread
 * with its own connection, so they never stall the event loop.
 */
export function openSqlite(dataDir: string): OpenedSqlite {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "tether.db");
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("wal_autocheckpoint = 0");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  rememberSqliteHandle(db, sqlite);

  const worker = new Worker(CHECKPOINT_WORKER, { workerData: { path } });
  worker.unref();
  worker.on("error", () => {
    // Without the worker, fall back to SQLite's own checkpoints on this connection.
    sqlite.pragma("wal_autocheckpoint = 1000");
  });

  let closed: Promise<void> | undefined;
  return {
    db,
    raw: sqlite,
    path,
    close() {
      closed ??= (async () => {
        await worker.terminate();
        await db.destroy();
      })();
      return closed;
    },
  };
}
