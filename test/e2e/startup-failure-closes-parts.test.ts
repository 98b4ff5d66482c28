// A start-up that fails half-way closes exactly the parts it opened, newest first, and lets go
// of the data dir, so the next start on it works; a daemon that started closes every part in
// the same reverse order, once. The order is read from the daemon's own debug log ("closed …").
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { startDaemon } from "../../dist/daemon.js";
import { PID_FILE } from "../../dist/db/data-dir-lock.js";
import { VAPID_FILE } from "../../dist/notify/vapid-keys.js";
import { StartupError } from "../../dist/startup-error.js";
import { callApi, daemonEnv, tempDir } from "../helpers/daemon.js";

/** Every part a start-up opens before it listens, in the order they must close. */
const OPENED_PARTS_NEWEST_FIRST = [
  "server",
  "terminal watch",
  "notifications",
  "supervisor",
  "engine",
  "store",
  "data-dir lock",
];

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir("tether-startup-failure-");
  return () => dir.remove();
});

/** A debug logger, and the parts it saw closed, in order. */
function closeLog() {
  let text = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, sink),
    closed: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; part?: string })
        .filter((entry) => entry.msg.startsWith("closed "))
        .map((entry) => entry.part),
  };
}

function config(extra: Record<string, string> = {}) {
  return loadConfig({ env: daemonEnv(dir.path, extra), cwd: dir.path });
}

/** Whatever startDaemon rejected with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("start-up succeeded; it was meant to fail");
}

describe("a start-up failing half-way", () => {
  let holder: Server;
  let port: number;
  beforeEach(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    port = (holder.address() as { port: number }).port;
    return () => new Promise<void>((resolve) => holder.close(() => resolve()));
  });

  it("at listen (port in use): closes the server, terminal watch, notifications, supervisor, engine, store and lock, in that order", async () => {
    const log = closeLog();
    const error = await failure(
      startDaemon(config({ TETHER_AGENT_PORT: String(port) }), { logger: log.logger }),
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(`port ${port} on 127.0.0.1 is already in use`);
    expect(log.closed()).toEqual(OPENED_PARTS_NEWEST_FIRST);
    expect(existsSync(join(dir.path, PID_FILE)), "pid file left behind").toBe(false);

    // Nothing of the failed start is left holding the data dir.
    const again = closeLog();
    const daemon = await startDaemon(config(), { logger: again.logger });
    expect((await callApi(daemon.url, daemon.token, "GET", "/api/health")).status).toBe(200);
    await daemon.close();
    expect(again.closed()).toEqual(["in-flight commits", ...OPENED_PARTS_NEWEST_FIRST]);
  });
});

it("at the VAPID keys (a damaged file): closes only what opened before them", async () => {
  writeFileSync(join(dir.path, VAPID_FILE), "{ not json", { mode: 0o600 });
  const log = closeLog();
  const error = await failure(startDaemon(config(), { logger: log.logger }));
  expect(error).toBeInstanceOf(StartupError);
  expect((error as Error).message).toMatch(`${VAPID_FILE}: not valid JSON`);
  expect(log.closed()).toEqual(["supervisor", "engine", "store", "data-dir lock"]);
  expect(existsSync(join(dir.path, PID_FILE)), "pid file left behind").toBe(false);
});

it("a daemon closes once, however often and however concurrently it is stopped", async () => {
  const log = closeLog();
  const daemon = await startDaemon(config(), { logger: log.logger });
  await Promise.all([daemon.close(), daemon.close()]);
  await daemon.close();
  expect(log.closed()).toHaveLength(8);
  expect(new Set(log.closed()).size).toBe(8);
});
