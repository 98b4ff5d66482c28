import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import {
  type CheckpointTiming,
  DEFAULT_CHECKPOINT_TIMING,
  startCheckpointer,
} from "./checkpointer.js";
import type { Database } from "./schema.js";
import { rememberSqliteHandle } from "./sqlite-handle.js";
import { damaged, StorageError } from "./storage-error.js";

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
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "tether.db");
  const sqlite = openChecked(path);
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

/** The database's files: SQLite gives the -wal and -shm files the main file's mode. */
const DB_FILES = ["tether.db", "tether.db-wal", "tether.db-shm"] as const;

/**
 * Opens `path` in WAL mode, private to this user (0600), and checks it with `quick_check`, so a
 * damaged file stops start-up with one line instead of failing reads later. Throws a
 * StorageError naming the file and the first problem.
 */
function openChecked(path: string): SqliteDatabase.Database {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new StorageError(`${path}: the database is a directory, not a file; move it away`);
  }
  let sqlite: SqliteDatabase.Database | undefined;
  // Files SQLite creates now (the database, its WAL and shared-memory files) are born private.
  const umask = process.umask(0o077);
  try {
    sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("wal_autocheckpoint = 0");
    const problem = sqlite.pragma("quick_check(1)", { simple: true });
    if (problem !== "ok")
      throw new StorageError(`${path}: ${damaged("the database", firstProblem(String(problem)))}`);
  } catch (error) {
    sqlite?.close();
    throw StorageError.from(error, path, "the database");
  } finally {
    process.umask(umask);
  }
  // Files made by an older version, or copied in, may be readable by others.
  for (const name of DB_FILES) {
    const file = join(dirname(path), name);
    if (existsSync(file) && statSync(file).mode & 0o077) chmodSync(file, 0o600);
  }
  return sqlite;
}

/** quick_check's first finding on one line, e.g. "Page 42: btreeInitPage() returns error code 11"
 * (it prefixes "*** in database main ***" and may list several). */
function firstProblem(report: string): string {
  const lines = report
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^\*\*\* in database \w+ \*\*\*$/.test(l));
  return lines[0] ?? report.replace(/\s+/g, " ").trim();
}
