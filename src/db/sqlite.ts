import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import {
  type CheckpointTiming,
  DEFAULT_CHECKPOINT_TIMING,
  startCheckpointer,
} from "./checkpointer.js";
import type { Database } from "./schema.js";
import { rememberSqliteHandle } from "./sqlite-handle.js";

export interface OpenedSqlite {
  db: Kysely<Database>;
  /** The connection under `db`, for the store's synchronous commit path. */
  raw: SqliteDatabase.Database;
  path: string;
  /** Whether the checkpoint worker is running now (it runs only while the WAL has grown). */
  readonly checkpointing: boolean;
  close(): Promise<void>;
}

const CHECKPOINT_WORKER = new URL("./checkpoint-worker.js", import.meta.url);

/**
 * Opens (creating if needed) `tether.db` in `dataDir`. synchronous=FULL: a 2xx means the write
 * survives a power cut, and group commit keeps that cheap. Checkpoints run on a worker thread
 * with its own connection, so they never stall the event loop; see checkpointer.ts for when.
 */
export function openSqlite(
  dataDir: string,
  checkpointTiming: CheckpointTiming = DEFAULT_CHECKPOINT_TIMING,
): OpenedSqlite {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "tether.db");
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("wal_autocheckpoint = 0");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  rememberSqliteHandle(db, sqlite);

  const checkpointer = startCheckpointer({
    workerUrl: CHECKPOINT_WORKER,
    dbPath: path,
    timing: checkpointTiming,
    // Without the worker, fall back to SQLite's own checkpoints on this connection.
    onFailure: () => {
      if (sqlite.open) sqlite.pragma("wal_autocheckpoint = 1000");
    },
  });

  let closed: Promise<void> | undefined;
  return {
    db,
    raw: sqlite,
    path,
    get checkpointing() {
      return checkpointer.running;
    },
    close() {
      closed ??= (async () => {
        await checkpointer.stop();
        await db.destroy();
      })();
      return closed;
    },
  };
}
