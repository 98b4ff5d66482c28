// The CLI's edges (issue 9), through the real bundle: a pipe closed early ends it quietly, a bad
// flag or setting is one line naming it as the user gave it (exit 2), a place that cannot hold
// the data is one line naming the flag or setting (exit 1) and never a hang, a bad URL reads as
// a bad URL, a prefix of an answered approval says who answered it, and `list` and `status`
// read well.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliRun, oneLineError, runCli, userEnv } from "../helpers/cli.js";
import { CLI, startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";

const TOKEN = "cli-edges-token-7c2f9-0123456789abcdef01234567";
const isRoot = process.getuid?.() === 0;

let home: { path: string; remove(): void };
beforeEach(() => {
  home = tempDir("tether-cli-edges-");
  return () => home.remove();
});

const tether = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: home.path, env: userEnv(home.path, extra) });

/** `tether start` that must fail before listening: loopback, any port, a data dir in home. */
const start = (args: string[], extra: Record<string, string> = {}) =>
  tether(["start", ...args], {
    TETHER_AGENT_HOST: "127.0.0.1",
    TETHER_AGENT_PORT: "0",
    TETHER_AGENT_DATA_DIR: join(home.path, "data"),
    ...extra,
  });

describe("a flag or setting with a bad value is one line naming it as given, exit 2", () => {
  it("--port names the flag, TETHER_AGENT_PORT names the variable", async () => {
    expect(oneLineError(await start(["--port", "99999"]), 2)).toBe(
      'tether: --port: must be a whole number from 0 to 65535 (got "99999")',
    );
    expect(oneLineError(await start([], { TETHER_AGENT_PORT: "99999" }), 2)).toBe(
      'tether: TETHER_AGENT_PORT: must be a whole number from 0 to 65535 (got "99999")',
    );
    expect(oneLineError(await start(["-p", "eighty"]), 2)).toBe(
      'tether: --port: must be a whole number from 0 to 65535 (got "eighty")',
    );
  });

  it("an empty --host or --data-dir is refused, not silently replaced by the default", async () => {
    expect(oneLineError(await start(["--host", ""]), 2)).toBe("tether: --host: must not be empty");
    expect(oneLineError(await start(["--data-dir", ""]), 2)).toBe(
      "tether: --data-dir: must not be empty",
    );
  });

  it("a --host this machine does not have names --host (exit 1: the value is well formed)", async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never a real interface.
    const line = oneLineError(await start(["--host", "192.0.2.1"]), 1);
    expect(line).toBe(
      "tether: --host: cannot listen on 192.0.2.1: no such address on this machine",
    );
    expect(oneLineError(await start([], { TETHER_AGENT_HOST: "192.0.2.1" }), 1)).toMatch(
      /^tether: TETHER_AGENT_HOST: cannot listen on 192\.0\.2\.1/,
    );
  });

  it("--url that is not a URL says so, and so does TETHER_API_URL", async () => {
    expect(oneLineError(await tether(["--url", "notaurl", "status"]), 2)).toBe(
      'tether: --url: must be a URL such as http://localhost:8787 (got "notaurl")',
    );
    expect(oneLineError(await tether(["status"], { TETHER_API_URL: "notaurl" }), 2)).toBe(
      'tether: TETHER_API_URL: must be a URL such as http://localhost:8787 (got "notaurl")',
    );
    expect(oneLineError(await tether(["--url", "ftp://localhost:8787", "list"]), 2)).toMatch(
      /^tether: --url: must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it("a daemon that is down is its own message, exit 1", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(oneLineError(await tether(["--url", url, "status"]), 1)).toBe(
      `tether: cannot reach Tether at ${url} (ECONNREFUSED); is \`tether start\` running?`,
    );
  });
});

describe("a data dir that cannot hold the data is one line naming the flag or setting, exit 1", () => {
  /** Exits by itself (not killed by the 15 s timeout): under /proc this used to hang. */
  function refused(run: CliRun): string {
    expect(typeof run.code, `exited by itself: ${run.stderr}`).toBe("number");
    return oneLineError(run, 1);
  }

  it("a file", async () => {
    const file = join(home.path, "a-file");
    writeFileSync(file, "");
    expect(refused(await start(["--data-dir", file]))).toBe(
      `tether: --data-dir: ${file}: the data dir is a file, not a directory; move it away`,
    );
    expect(refused(await start([], { TETHER_AGENT_DATA_DIR: file }))).toMatch(
      /^tether: TETHER_AGENT_DATA_DIR: .*a-file: the data dir is a file/,
    );
  });

  it("below a file", async () => {
    const file = join(home.path, "a-file");
    writeFileSync(file, "");
    expect(refused(await start(["--data-dir", join(file, "data")]))).toMatch(
      /^tether: --data-dir: .*a-file.*: a part of the path is a file, not a directory/,
    );
  });

  it.runIf(process.platform === "linux")("under /proc or /sys, at once", async () => {
    expect(refused(await start(["--data-dir", "/proc/tether-test/data"]))).toBe(
      "tether: --data-dir: /proc/tether-test/data: the data dir is on /proc, which holds kernel state, not files; choose a directory on a disk",
    );
    expect(refused(await start([], { TETHER_AGENT_DATA_DIR: "/proc/self" }))).toMatch(
      /^tether: TETHER_AGENT_DATA_DIR: \/proc\/self: the data dir is on \/proc/,
    );
    expect(refused(await start(["--data-dir", "/sys/tether-test"]))).toMatch(
      /^tether: --data-dir: \/sys\/tether-test: the data dir is on sysfs/,
    );
  });

  it.runIf(process.platform === "linux")(
    "a token file under /proc fails at once instead of hanging",
    async () => {
      const run = await start([], { TETHER_CONFIG: "/proc/tether-test/config.json" });
      expect(refused(run)).toMatch(/cannot write the token file \/proc\/tether-test\/token/);
    },
  );

  // Root may write anywhere, so the modes below stop only other users.
  it.skipIf(isRoot)("a directory this user may not write, or not create", async () => {
    const locked = join(home.path, "locked");
    mkdirSync(locked, { mode: 0o700 });
    chmodSync(locked, 0o500);
    try {
      expect(refused(await start(["--data-dir", locked]))).toMatch(
        /^tether: --data-dir: .*locked: the data dir cannot be written \(permission denied\)/,
      );
      expect(refused(await start(["--data-dir", join(locked, "data")]))).toMatch(
        /^tether: --data-dir: .*locked.*permission denied/,
      );
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe("usage mistakes are one line, exit 2; help and version exit 0", () => {
  it("unknown command, unknown option, missing argument, bad --since", async () => {
    expect(oneLineError(await tether(["frobnicate"]), 2)).toBe(
      "tether: unknown command 'frobnicate'",
    );
    expect(oneLineError(await tether(["lst"]), 2)).toBe(
      "tether: unknown command 'lst' (Did you mean one of list, ls?)",
    );
    expect(oneLineError(await tether(["list", "--bogus"]), 2)).toBe(
      "tether: unknown option '--bogus'",
    );
    expect(oneLineError(await tether(["approve"]), 2)).toBe(
      "tether: missing required argument 'approval'",
    );
    const down = `http://127.0.0.1:${await closedPort()}`;
    expect(oneLineError(await tether(["--url", down, "watch", "s", "--since", "x"]), 2)).toBe(
      'tether: --since: must be a whole number of 0 or more (got "x")',
    );
  });

  it("no command shows the help on stderr with exit 2; --help shows it on stdout, exit 0", async () => {
    const bare = await tether([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: tether/);
    const help = await tether(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: tether/);
    expect(help.stdout).toMatch(/doctor/);
    expect(help.stdout).toMatch(/service/);
  });
});

describe("against a daemon", () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon({ token: TOKEN });
  });
  afterAll(() => t.close());

  const cli = (args: string[], extra: Record<string, string> = {}) =>
    tether(["--url", t.url, "--token", TOKEN, ...args], extra);

  /** Runs the CLI with its stdout closed before it writes: as `tether list | head -0`. */
  function withClosedStdout(args: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, "--url", t.url, "--token", TOKEN, ...args], {
        cwd: home.path,
        env: userEnv(home.path),
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.destroy();
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("exit", (code, signal) =>
        resolve({ code: code ?? `signal ${signal}`, stdout: "", stderr }),
      );
    });
  }

  it("a reader that closes the pipe early ends the command quietly, exit 0", async () => {
    for (const args of [["list"], ["status"], ["approvals"], ["--help"], ["--version"]]) {
      const run = await withClosedStdout(args);
      expect(run, args.join(" ")).toEqual({ code: 0, stdout: "", stderr: "" });
    }
  });

  it("list has a header, columns as wide as their widest cell, and local dates", async () => {
    const short = await t.api("POST", "/external/sessions", { session_name: "short" });
    const long = await t.api("POST", "/api/sessions", {
      kind: "codex",
      name: "a session with a long kind",
      directory: tmpdir(),
    });
    expect(long.status, long.text).toBe(201);
    // Asia/Kolkata is UTC+05:30 all year: local time is the UTC time plus 5.5 hours.
    const run = await cli(["list"], { TZ: "Asia/Kolkata" });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID {2,}STATE {2,}KIND {2,}UPDATED {2,}NAME$/);
    const local = (iso: string) =>
      new Date(new Date(iso).getTime() + 5.5 * 3600_000)
        .toISOString()
        .slice(0, 16)
        .replace("T", " ");
    const sessions = (await t.api("GET", "/api/sessions")).body.sessions as {
      id: string;
      kind: string;
      updated_at: string;
      name: string;
    }[];
    for (const s of sessions) {
      const line = lines.find((l) => l.startsWith(s.id));
      expect(line, s.id).toMatch(new RegExp(`  ${s.kind} +${local(s.updated_at)}  ${s.name}$`));
    }
    // Every row's columns start where the header's do, however long the kind.
    const at = (label: string) => lines[0]!.indexOf(label);
    for (const line of lines.slice(1)) {
      expect(line.slice(at("UPDATED")), line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}/);
      expect(line.slice(at("KIND") - 2, at("KIND")), line).toBe("  ");
    }
    expect(lines.some((l) => l.includes("codex_sdk_sidecar"))).toBe(true);
    expect(short.status).toBe(200);
  });

  it("status counts in words that agree with the number", async () => {
    const fresh = await startTestDaemon({ token: TOKEN });
    try {
      const status = () => tether(["--url", fresh.url, "--token", TOKEN, "status"]);
      expect((await status()).stdout).toMatch(/, 0 sessions, 0 pending approvals,/);
      const one = await fresh.api("POST", "/external/sessions", {});
      await fresh.api("POST", `/external/sessions/${one.body.session_id}/approval`, { title: "a" });
      expect((await status()).stdout).toMatch(/, 1 session, 1 pending approval,/);
      await fresh.api("POST", "/external/sessions", {});
      await fresh.api("POST", `/external/sessions/${one.body.session_id}/approval`, { title: "b" });
      expect((await status()).stdout).toMatch(/, 2 sessions, 2 pending approvals,/);
    } finally {
      await fresh.close();
    }
  });

  it("approve <prefix> of an answered approval says who answered it, as the full id does", async () => {
    const s = await t.api("POST", "/external/sessions", { session_name: "asker" });
    const ask = await t.api("POST", `/external/sessions/${s.body.session_id}/approval`, {
      title: "Deploy?",
    });
    const id: string = ask.body.request_id;
    const answered = await t.api("POST", `/api/approvals/${id}/resolve`, {
      option: "Reject",
      decided_by: "cli:someone",
    });
    expect(answered.status, answered.text).toBe(200);
    const says = `approval ${id} was already resolved by cli:someone (Reject)`;
    expect(oneLineError(await cli(["approve", id]), 1)).toBe(`tether: ${says}`);
    expect(oneLineError(await cli(["approve", id.slice(0, 10)]), 1)).toBe(`tether: ${says}`);
    expect(oneLineError(await cli(["approve", id.slice(0, 10), "Approve"]), 1)).toBe(
      `tether: ${says}`,
    );
    expect(oneLineError(await cli(["approve", "apr_nosuchprefix"]), 1)).toBe(
      "tether: no approval with id apr_nosuchprefix",
    );
  });
});
