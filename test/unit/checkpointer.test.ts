// The checkpoint worker runs only while there is work for it: not at all while the WAL is small
// (an idle daemon holds no second V8 isolate), from when the WAL has grown, and it exits once
// writes stop, leaving the WAL empty and every row in the database file.
import { statSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type OpenedSqlite, openSqlite } from "../../dist/db/sqlite.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TIMING = { startAtWalBytes: 256 * 1024, intervalMs: 20, idleChecks: 5, restartAtFrames: 256 };

let dir: ReturnType<typeof tempDir>;
let opened: OpenedSqlite;

beforeEach(() => {
  dir = tempDir("tether-checkpointer-");
  opened = openSqlite(dir.path, TIMING);
});
afterEach(async () => {
  await opened.close();
  dir.remove();
});

const size = (file: string) => statSync(file).size;

async function writeRows(n: number, bytes: number): Promise<void> {
  await sql`create table if not exists blobs (id integer primary key, data blob)`.execute(
    opened.db,
  );
  for (let i = 0; i < n; i++) {
    await sql`insert into blobs (data) values (randomblob(${bytes}))`.execute(opened.db);
  }
}

it("does not start the worker while the WAL is small", async () => {
  await writeRows(4, 1000);
  await new Promise((resolve) => setTimeout(resolve, TIMING.intervalMs * 10));
  expect(opened.checkpointing).toBe(false);
  expect(size(`${opened.path}-wal`)).toBeGreaterThan(0);
});

it("starts the worker once the WAL has grown, and it exits with the WAL emptied once idle", async () => {
  await writeRows(64, 8 * 1024);
  expect(size(`${opened.path}-wal`)).toBeGreaterThan(TIMING.startAtWalBytes);
  await waitFor(() => opened.checkpointing || undefined, { what: () => "the worker to start" });

  await waitFor(() => !opened.checkpointing || undefined, { what: () => "the worker to exit" });
  expect(size(`${opened.path}-wal`)).toBe(0);
  expect(size(opened.path)).toBeGreaterThan(64 * 8 * 1024);
  const { rows } = await sql<{ n: number }>`select count(*) as n from blobs`.execute(opened.db);
  expect(rows[0]?.n).toBe(64);

  // More writes start it again.
  await writeRows(64, 8 * 1024);
  await waitFor(() => opened.checkpointing || undefined, { what: () => "the worker to restart" });
});

it("keeps the WAL bounded while writes never stop", async () => {
  // ~32 MB written, transaction after transaction, with no pause for a checkpoint to catch up.
  const rows = 4000;
  let largest = 0;
  await sql`create table if not exists blobs (id integer primary key, data blob)`.execute(
    opened.db,
  );
  for (let i = 0; i < rows; i++) {
    await sql`insert into blobs (data) values (randomblob(${8 * 1024}))`.execute(opened.db);
    if (i % 100 === 0) largest = Math.max(largest, size(`${opened.path}-wal`));
    // The daemon commits once per event-loop turn; so does this, letting timers run between.
    if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(opened.checkpointing).toBe(true);
  // restartAtFrames (256 pages, 1 MB) plus what piles up between two checkpoints; without the
  // RESTART, the WAL reaches 50-65 MB here.
  expect(largest).toBeLessThan(16 * 1024 * 1024);
  const { rows: counted } = await sql<{ n: number }>`select count(*) as n from blobs`.execute(
    opened.db,
  );
  expect(counted[0]?.n).toBe(rows);
});
