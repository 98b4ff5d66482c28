// Links a Kysely instance over SQLite to the better-sqlite3 connection under it, so the store
// can commit synchronously through prepared statements without widening its constructor (the
// wiring hands it only the Kysely instance).
import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";

const handles = new WeakMap<object, SqliteDatabase.Database>();

export function rememberSqliteHandle<DB>(db: Kysely<DB>, raw: SqliteDatabase.Database): void {
  handles.set(db, raw);
}

/** The better-sqlite3 connection under `db`, when `openSqlite` made it. */
export function sqliteHandleOf<DB>(db: Kysely<DB>): SqliteDatabase.Database | undefined {
  return handles.get(db);
}
