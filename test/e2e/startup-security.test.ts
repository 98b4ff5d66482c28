// `tether start` as users run it (the bundle, a child process), secure by default: with no
// settings it makes a token, keeps it in a private file that the CLI and tether-mcp find by
// themselves, shows the pairing link only on a terminal, keeps its files private, refuses dev
// mode anywhere but loopback, and says in one line which file is wrong when storage is unusable.
import { execFile, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  callApi,
  generatedTokenFile,
  type SpawnedDaemon,
  spawnDaemon,
  tempDir,
} from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";
import { connectStdio } from "../mcp/mcp-client.js";

const dirs: { remove(): void }[] = [];
const daemons: SpawnedDaemon[] = [];
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.kill("SIGKILL")));
  for (const d of dirs.splice(0)) d.remove();
});

function dir(prefix = "tether-startup-"): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d.path;
}

async function start(dataDir: string, extra: Record<string, string> = {}) {
  const d = await spawnDaemon(dataDir, extra);
  daemons.push(d);
  return d;
}

const mode = (path: string) => statSync(path).mode & 0o777;

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** The CLI with none of the user's Tether settings; `env` adds some. */
function tether(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TETHER_")) clean[k] = v;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...clean, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : `${error.signal}`) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exactly one line on stderr, no stack trace; returns it. */
function oneLine(run: Run, code: number): string {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at |node:internal|^\w*Error\b/m);
  return lines[0]!;
}

/** `tether start` on `dataDir` that is expected to fail. */
function startFails(dataDir: string, extra: Record<string, string> = {}): Promise<Run> {
  return tether(
    ["start"],
    {
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: "0",
      TETHER_AGENT_DATA_DIR: dataDir,
      TETHER_AGENT_LOG_LEVEL: "silent",
      TETHER_CONFIG: join(dataDir, "..", "no-config.json"),
      ...extra,
    },
    dir(),
  );
}

describe("authenticated by default", () => {
  it("makes a 256-bit token on first start, keeps it 0600 and reuses it", async () => {
    const dataDir = dir();
    const first = await start(dataDir);
    const file = generatedTokenFile(dataDir);
    const token = readFileSync(file, "utf8").trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(mode(file)).toBe(0o600);
    expect(first.token).toBe(token);
    expect((await callApi(first.url, undefined, "GET", "/api/health")).status).toBe(401);
    expect((await callApi(first.url, token, "GET", "/api/health")).body).toMatchObject({
      auth: true,
    });
    expect(first.stderr()).toContain(`token: in ${file}`);
    expect(first.stderr()).not.toContain(token);
    expect(await first.kill("SIGTERM")).toBe(0);

    const second = await start(dataDir);
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect((await callApi(second.url, token, "GET", "/api/health")).status).toBe(200);
  });

  it("the CLI and tether-mcp find the token with no setting but the daemon's URL", async () => {
    // As on a user's machine: the token goes to $XDG_CONFIG_HOME/tether/token, and the clients
    // run from another directory with nothing but TETHER_API_URL (the README's MCP snippet).
    const xdg = dir("tether-xdg-");
    const d = await start(dir(), { TETHER_CONFIG: "", XDG_CONFIG_HOME: xdg });
    const file = join(xdg, "tether", "token");
    expect(mode(file)).toBe(0o600);
    expect(mode(join(xdg, "tether"))).toBe(0o700);

    const elsewhere = dir("tether-cwd-");
    const status = await tether(
      ["status"],
      { XDG_CONFIG_HOME: xdg, TETHER_API_URL: d.url },
      elsewhere,
    );
    expect(status, status.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(status.stdout).toMatch(/auth on/);

    const mcp = await connectStdio({
      TETHER_API_URL: d.url,
      TETHER_CONFIG: "",
      XDG_CONFIG_HOME: xdg,
    });
    try {
      const listed = await mcp.call("list_sessions");
      expect(listed.isError, listed.text).toBe(false);
    } finally {
      await mcp.close();
    }

    // Without the token file, the same call is refused: the file is what let them in.
    const noToken = await tether(
      ["status"],
      { XDG_CONFIG_HOME: dir("tether-xdg-empty-"), TETHER_API_URL: d.url },
      elsewhere,
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/token/i);
  });

  it("refuses a damaged token file with one line naming it", async () => {
    const dataDir = dir();
    writeFileSync(generatedTokenFile(dataDir), "short\n", { mode: 0o600 });
    const run = await startFails(dataDir, { TETHER_CONFIG: join(dataDir, "no-config.json") });
    const line = oneLine(run, 1);
    expect(line).toContain(generatedTokenFile(dataDir));
    expect(line).toMatch(/at least 32 characters/);
  });
});

describe("dev mode is for loopback only", () => {
  it.each([["0.0.0.0"], ["::"], ["127.0.0.1"]])(
    "listens on loopback when TETHER_AGENT_HOST=%s, and warns",
    async (host) => {
      const d = await start(dir(), { TETHER_AGENT_DEV_MODE: "1", TETHER_AGENT_HOST: host });
      expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await waitFor(() => /WARNING: .*authentication is OFF/.test(d.stderr()), {
        what: () => `the dev-mode warning; stderr so far:\n${d.stderr()}`,
      });
      expect((await callApi(d.url, undefined, "GET", "/api/health")).body).toMatchObject({
        auth: false,
      });
    },
  );

  it("refuses a host that is not loopback: one line, exit 2", async () => {
    const line = oneLine(
      await startFails(join(dir(), "data"), {
        TETHER_AGENT_DEV_MODE: "1",
        TETHER_AGENT_HOST: "192.0.2.7",
      }),
      2,
    );
    expect(line).toMatch(/TETHER_AGENT_DEV_MODE=1 .*loopback only.*TETHER_AGENT_HOST=192\.0\.2\.7/);
  });

  it("refuses a token set beside it, without showing the token", async () => {
    const token = "dev-mode-and-a-token-0123456789abcdef";
    const run = await startFails(join(dir(), "data"), {
      TETHER_AGENT_DEV_MODE: "1",
      TETHER_AGENT_TOKEN: token,
    });
    expect(oneLine(run, 2)).toMatch(/TETHER_AGENT_DEV_MODE=1 .*TETHER_AGENT_TOKEN/);
    expect(run.stderr + run.stdout).not.toContain(token);
  });

  it("refuses a token shorter than 32 characters, without showing it", async () => {
    const token = "only-twenty-chars-xx";
    const run = await startFails(join(dir(), "data"), { TETHER_AGENT_TOKEN: token });
    expect(oneLine(run, 2)).toMatch(/^tether: TETHER_AGENT_TOKEN: must be at least 32 characters/);
    expect(run.stderr).not.toContain(token);
  });
});

describe("private files", () => {
  it("creates the data dir 0700 and the database, WAL, VAPID keys and pid file 0600", async () => {
    const dataDir = join(dir(), "new-data"); // made by the daemon, under the test's umask
    const d = await start(dataDir);
    expect((await callApi(d.url, d.token, "POST", "/external/sessions", {})).status).toBe(200);
    expect(mode(dataDir)).toBe(0o700);
    for (const name of [
      "tether.db",
      "tether.db-wal",
      "tether.db-shm",
      "vapid.json",
      "answer-links.key",
      "tether.pid",
    ]) {
      expect(mode(join(dataDir, name)), name).toBe(0o600);
    }
  });

  it("narrows an existing data dir and database that others could read, and says so", async () => {
    const dataDir = join(dir(), "old-data");
    const first = await start(dataDir);
    expect(await first.kill("SIGTERM")).toBe(0);
    chmodSync(dataDir, 0o755);
    for (const name of ["tether.db", "vapid.json"]) chmodSync(join(dataDir, name), 0o644);

    const d = await start(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, "tether.db"))).toBe(0o600);
    expect(mode(join(dataDir, "vapid.json"))).toBe(0o600);
    const note = /note: the data dir .* was open to others \(mode 755\); made it 0700/;
    await waitFor(() => note.test(d.stderr()), {
      what: () => `the note; stderr so far:\n${d.stderr()}`,
    });
  });
});

describe("the pairing link goes only to a terminal", () => {
  it("`tether start` with stderr piped never prints the token, and says how to get the link", async () => {
    const d = await start(dir(), { TETHER_AGENT_LOG_LEVEL: "info" });
    await waitFor(() => d.stderr().includes("tether pair"), {
      what: () => `the pairing hint; stderr so far:\n${d.stderr()}`,
    });
    expect(d.stderr()).toMatch(/^pairing: run `tether pair` in a terminal/m);
    expect(d.stderr()).not.toContain(d.token!);
    expect(d.stderr()).not.toContain("#/pair");
  });

  it("`tether pair` prints the link with the generated token", async () => {
    const dataDir = dir();
    const d = await start(dataDir);
    const port = new URL(d.url).port;
    const run = await tether(
      ["pair"],
      {
        TETHER_CONFIG: join(dataDir, "no-config.json"),
        TETHER_AGENT_HOST: "127.0.0.1",
        TETHER_AGENT_PORT: port,
      },
      dir(),
    );
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toBe(
      `Open on your phone: http://127.0.0.1:${port}/#/pair?token=${encodeURIComponent(d.token!)}\n`,
    );
  });

  it.runIf(spawnSync("script", ["--version"]).status === 0)(
    "`tether start` on a terminal shows the link and its QR code",
    async () => {
      const dataDir = dir();
      const env = [
        `TETHER_AGENT_HOST=127.0.0.1`,
        `TETHER_AGENT_PORT=0`,
        `TETHER_AGENT_DATA_DIR=${dataDir}`,
        `TETHER_AGENT_LOG_LEVEL=silent`,
        `TETHER_CONFIG=${join(dataDir, "no-config.json")}`,
      ];
      // `script` runs the command on a pseudo-terminal; `timeout` stops it once it has started.
      const command = `env ${env.map((e) => `'${e}'`).join(" ")} timeout -s INT 5 '${process.execPath}' '${CLI}' start`;
      const run = spawnSync("script", ["-qec", command, "/dev/null"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      const token = readFileSync(generatedTokenFile(dataDir), "utf8").trim();
      expect(run.stdout).toContain(`#/pair?token=${token}`);
      expect(run.stdout.split("\n").length).toBeGreaterThan(15); // the QR code's rows
    },
  );
});

describe("unusable storage at start is one line naming the file, and the lock is released", () => {
  let populated: { remove(): void; path: string };

  beforeAll(async () => {
    // A database of a few hundred pages, so damage in the middle lands in real data.
    populated = tempDir("tether-populated-");
    const d = await spawnDaemon(populated.path);
    const created = await callApi(d.url, d.token, "POST", "/external/sessions", {});
    const id = created.body.session_id as string;
    for (let i = 0; i < 300; i++) {
      const res = await callApi(d.url, d.token, "POST", `/external/sessions/${id}/output`, {
        text: `line ${i} ${"x".repeat(1000)}`,
      });
      expect(res.status).toBe(200);
    }
    expect(await d.kill("SIGTERM")).toBe(0);
  }, 60_000);
  afterAll(() => populated.remove());

  /** A copy of the populated data dir. */
  function copy(): string {
    const dataDir = join(dir(), "data");
    cpSync(populated.path, dataDir, { recursive: true });
    return dataDir;
  }

  async function expectRefused(dataDir: string, says: RegExp): Promise<string> {
    const run = await startFails(dataDir);
    const line = oneLine(run, 1);
    expect(line).toMatch(says);
    expect(existsSync(join(dataDir, "tether.pid")), "pid file left behind").toBe(false);
    return line;
  }

  it("a database truncated to half its size", async () => {
    const dataDir = copy();
    const db = join(dataDir, "tether.db");
    expect(existsSync(`${db}-wal`) && statSync(`${db}-wal`).size > 0).toBe(false);
    truncateSync(db, Math.floor(statSync(db).size / 2));
    const line = await expectRefused(dataDir, /the database is (damaged|not a SQLite database)/);
    expect(line.startsWith(`tether: ${db}: `)).toBe(true);
  });

  it("garbage written over the middle of the database (caught by quick_check)", async () => {
    const dataDir = copy();
    const db = join(dataDir, "tether.db");
    const size = statSync(db).size;
    expect(size).toBeGreaterThan(100 * 4096);
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(8 * 4096, 0x5a), 0, 8 * 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const line = await expectRefused(dataDir, /the database is damaged \(.+\); restore it/);
    expect(line.startsWith(`tether: ${db}: `)).toBe(true);
  });

  it("a file that is not a database at all", async () => {
    const dataDir = copy();
    writeFileSync(join(dataDir, "tether.db"), "hello, I am a text file\n".repeat(200));
    await expectRefused(dataDir, /tether\.db: the database is not a SQLite database/);
  });

  it("a database path that is a directory", async () => {
    const dataDir = join(dir(), "data");
    mkdirSync(join(dataDir, "tether.db"), { recursive: true });
    await expectRefused(dataDir, /tether\.db: the database is a directory, not a file/);
  });

  it("damaged VAPID keys, found after the database opened (the parts opened before are closed)", async () => {
    const dataDir = join(dir(), "data");
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, "vapid.json"), "{ not json", { mode: 0o600 });
    await expectRefused(dataDir, /vapid\.json: not valid JSON; restore it from a backup/);
  });

  it("a data dir that cannot be made (a file is in the way)", async () => {
    const parent = dir();
    writeFileSync(join(parent, "not-a-dir"), "");
    const run = await startFails(join(parent, "not-a-dir", "data"), {
      TETHER_CONFIG: join(parent, "no-config.json"),
    });
    expect(oneLine(run, 1)).toMatch(/not-a-dir.*a part of the path is a file/);
  });

  it("a data dir that is a file", async () => {
    const parent = dir();
    writeFileSync(join(parent, "data"), "");
    const run = await startFails(join(parent, "data"));
    expect(oneLine(run, 1)).toMatch(/data: the data dir is a file, not a directory/);
  });
});
