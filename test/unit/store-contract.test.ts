// Every Store keeps the same promises (test/helpers/store-contract.ts): SqlStore on a real SQLite
// file through either commit path, reopened from the file to show what is durable, and the
// in-memory store, reopened on the same data.
import { afterEach } from "vitest";
import { MemoryData, MemoryStore } from "../../dist/core/memory-store.js";
import type { Store } from "../../dist/core/store.js";
import { SqlStore } from "../../dist/db/sql-store.js";
import { openSqlite } from "../../dist/db/sqlite.js";
import { tempDir } from "../helpers/daemon.js";
import { storeContract } from "../helpers/store-contract.js";

let dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs) d.remove();
  dirs = [];
});

for (const commitPath of ["sqlite", "portable"] as const) {
  storeContract(`SqlStore on SQLite (${commitPath} commit path)`, async () => {
    const dir = tempDir(`tether-contract-${commitPath}-`);
    dirs.push(dir);
    const open = async () => {
      const sqlite = openSqlite(dir.path);
      const sql = new SqlStore(sqlite.db, sqlite.close, { commitPath });
      await sql.migrate();
      return sql;
    };
    let store: Store = await open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await open();
        return store;
      },
    };
  });
}

storeContract("MemoryStore", async () => {
  const data = new MemoryData();
  let store: Store = new MemoryStore(data);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new MemoryStore(data);
      return store;
    },
  };
});
