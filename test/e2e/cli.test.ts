// The real `tether` CLI (the bundle users run, dist/bundle/tether.js) as a child process against a
// real daemon: each client command does what it says over the App API, and every failure is one
// line on stderr with exit code 1, never a stack trace.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../helpers/cli.js";
import { CLI, spawnDaemon, startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "cli-test-token-4b7e1-0123456789abcdef0123456789";

let t: TestDaemon;
let cwd: { path: string; remove(): void };
const children: ChildProcess[] = [];

beforeEach(async () => {
  t = await startTestDaemon({ token: TOKEN });
  cwd = tempDir("tether-cli-");
});
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGKILL");
        }),
    ),
  );
  await t.close();
  cwd.remove();
});

/** The environment of a user with no Tether settings: none inherited, no config file, no .env. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(TETHER_|TELEGRAM_|SLACK_|DISCORD_)/.test(k)) clean[k] = v;
  }
  return { ...clean, TETHER_CONFIG: join(cwd.path, "no-config.json"), ...extra };
}

type Run = CliRun;

const tether = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
  runCli(args, { cwd: cwd.path, env: env(extraEnv) });

/** The CLI pointed at the test daemon with the right token. */
const cli = (...args: string[]) => tether(["--url", t.url, "--token", TOKEN, ...args]);

function expectOk(run: Run): string {
  expect(run, "command failed").toMatchObject({ code: 0, stderr: "" });
  return run.stdout;
}

/** Exit code 1 (or `code`) and exactly one line on stderr, no stack trace; returns that line. */
function expectOneLineError(run: Run, code: number | "non-zero" = 1): string {
  if (code === "non-zero") expect(run.code).not.toBe(0);
  else expect(run.code, run.stderr).toBe(code);
  expect(typeof run.code, "exited by itself, not killed").toBe("number");
  expect(run.stderr.endsWith("\n")).toBe(true);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, "one line on stderr").toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/^\w*Error\b|node:internal/m);
  return lines[0]!;
}

async function externalSession(name: string): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name },
    session_name: name,
  });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

/** The shortest prefix of `id` that no other id shares (after the `sess_`/`apr_` kind). */
function uniquePrefix(id: string, others: string[]): string {
  const start = id.indexOf("_") + 2;
  for (let n = start; n < id.length; n++) {
    const prefix = id.slice(0, n);
    if (!others.some((o) => o !== id && o.startsWith(prefix))) return prefix;
  }
  throw new Error(`no unique prefix of ${id}`);
}

describe("tether CLI commands", () => {
  it("--version prints the package's version, which the bundle has built in", async () => {
    const { version } = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(expectOk(await tether(["--version"]))).toBe(`${version}\n`);
  });

  it("status reports the daemon", async () => {
    const out = expectOk(await cli("status"));
    expect(out).toMatch(
      new RegExp(
        `^Tether \\S+ at ${t.url}: up \\d+s, 0 sessions, 0 pending approvals, auth on\\n$`,
      ),
    );
  });

  it("list shows the sessions", async () => {
    expect(expectOk(await cli("list"))).toBe("no sessions\n");
    const id = await externalSession("listed-one");
    const out = expectOk(await cli("list"));
    expect(out.split("\n")[0]).toMatch(/^ID\s+STATE\s+KIND\s+UPDATED\s+NAME$/);
    const line = out.split("\n").find((l) => l.startsWith(id));
    expect(line).toMatch(/created\s+external\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+listed-one$/);
    expect(expectOk(await cli("ls"))).toBe(out);
  });

  it("new creates a session and prints its id", async () => {
    const out = expectOk(await cli("new", "--name", "x", "--kind", "external"));
    expect(out).toMatch(/^sess_[0-9a-z]{16}\n$/);
    const session = await t.api("GET", `/api/sessions/${out.trim()}`);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      name: "x",
      kind: "external",
      state: "created",
      directory: realpathSync(cwd.path),
    });
  });

  it("input sends a human message to the session named by a unique id prefix", async () => {
    const id = await externalSession("target");
    const other = await externalSession("bystander");
    const prefix = uniquePrefix(id, [id, other]);
    expect(prefix.length).toBeLessThan(id.length);

    const out = expectOk(await cli("input", prefix, "hello", "world"));
    const seq = Number(/^queued as #(\d+)\n$/.exec(out)?.[1]);
    expect(seq).toBeGreaterThan(0);
    const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events;
    const input = events.find((e: { seq: number }) => e.seq === seq);
    expect(input).toMatchObject({
      type: "human_input",
      data: { text: "hello world", sender: expect.stringMatching(/^cli:/) },
    });
    const poll = await t.api("GET", `/external/sessions/${id}/input?timeout=1`);
    expect(poll.body).toMatchObject({ type: "human_input", seq, data: { text: "hello world" } });
    expect((await t.api("GET", `/api/sessions/${other}/events`)).body.events).toHaveLength(1);
  });

  it("approvals lists pending ones and approve resolves one by id prefix", async () => {
    expect(expectOk(await cli("approvals"))).toBe("no pending approvals\n");
    const id = await externalSession("asker");
    const ask = await t.api("POST", `/external/sessions/${id}/approval`, {
      title: "Run the migration?",
    });
    const approvalId: string = ask.body.request_id;
    const listed = expectOk(await cli("approvals"));
    const [header, row, ...rest] = listed.split("\n");
    expect(header).toMatch(/^ID\s+SESSION\s+CREATED\s+OPTIONS\s+TITLE$/);
    expect(row).toMatch(
      new RegExp(
        `^${approvalId}  ${id}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  Approve / Reject  Run the migration\\?$`,
      ),
    );
    expect(rest).toEqual([""]);

    const poll = t.api("GET", `/external/sessions/${id}/input?timeout=10`);
    const out = expectOk(await cli("approve", approvalId.slice(0, 8), "Approve"));
    expect(out).toMatch(new RegExp(`^${approvalId}: Approve \\(by cli:\\S+\\)\\n$`));
    const approval = await t.api("GET", `/api/approvals/${approvalId}`);
    expect(approval.body).toMatchObject({
      status: "resolved",
      decision: "Approve",
      decided_by: expect.stringMatching(/^cli:/),
    });
    expect((await poll).body).toMatchObject({
      type: "approval_response",
      data: { request_id: approvalId, option: "Approve" },
    });
    expect(expectOk(await cli("approvals"))).toBe("no pending approvals\n");
    // Answered already: asking again without an option says who answered it.
    expect(expectOneLineError(await cli("approve", approvalId))).toMatch(
      /already resolved by cli:\S+ \(Approve\)/,
    );
  });

  it("approve without an option chooses the approval's first one", async () => {
    const id = await externalSession("asker");
    const ask = await t.api("POST", `/external/sessions/${id}/approval`, {
      title: "Deploy?",
      options: ["Ship it", "Wait"],
    });
    const out = expectOk(await cli("approve", ask.body.request_id));
    expect(out).toMatch(/: Ship it \(by cli:/);
  });

  it("interrupt asks a running session's agent to stop", async () => {
    const id = await externalSession("busy");
    expect(
      (await t.api("POST", `/external/sessions/${id}/status`, { status: "thinking" })).body.state,
    ).toBe("running");
    const out = expectOk(await cli("interrupt", id));
    expect(out).toBe(`${id} interrupting\n`);
    expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("interrupting");
    const poll = await t.api("GET", `/external/sessions/${id}/input?timeout=1`);
    expect(poll.body).toMatchObject({ type: "interrupt" });
  });

  it("watch follows a session's output live", async () => {
    const id = await externalSession("watched");
    await t.api("POST", `/external/sessions/${id}/output`, { text: "before watch" });
    const child = spawn(
      process.execPath,
      [CLI, "--url", t.url, "--token", TOKEN, "watch", uniquePrefix(id, [id])],
      { cwd: cwd.path, env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const what = (w: string) => () => `${w}; stdout:\n${stdout}\nstderr:\n${stderr}`;

    // Replayed first: the history up to now.
    await waitFor(() => stdout.includes("#2 before watch"), { what: what("the replay") });
    // Its first output moved the session from created to running.
    expect(stdout.startsWith(`watching watched (${id}), running; Ctrl-C to stop\n`)).toBe(true);

    const posted = await t.api("POST", `/external/sessions/${id}/output`, {
      text: "posted while watching",
    });
    await waitFor(() => stdout.includes(`#${posted.body.seq} posted while watching`), {
      what: what("the live line"),
    });
    expect(stderr).toBe("");
    expect(child.exitCode).toBeNull();
  });
});

describe("tether CLI errors", () => {
  it("an unknown session is one line saying so, exit code 1", async () => {
    const line = expectOneLineError(await cli("input", "sess_doesnotexist", "hi"));
    expect(line).toMatch(/no session with id sess_doesnotexist/);
    expect(expectOneLineError(await cli("watch", "sess_doesnotexist"))).toMatch(
      /no session with id sess_doesnotexist/,
    );
    expect(expectOneLineError(await cli("interrupt", "sess_doesnotexist"))).toMatch(
      /no session with id sess_doesnotexist/,
    );
    expect(expectOneLineError(await cli("approve", "apr_doesnotexist", "Approve"))).toMatch(
      /no approval with id apr_doesnotexist/,
    );
    expect(expectOneLineError(await cli("approve", "apr_doesnotexist"))).toMatch(
      /no approval with id apr_doesnotexist/,
    );
  });

  it("a daemon that is not running is one line saying Tether cannot be reached", async () => {
    const port = await closedPort();
    const run = await tether(["--url", `http://127.0.0.1:${port}`, "--token", TOKEN, "status"]);
    const line = expectOneLineError(run);
    expect(line).toMatch(new RegExp(`cannot reach Tether at http://127\\.0\\.0\\.1:${port}`));
    expect(line).not.toContain(TOKEN);
  });

  it("a wrong or missing token is one line, and no token is printed", async () => {
    const wrong = "wrong-token-zz9";
    const run = await tether(["--url", t.url, "--token", wrong, "list"]);
    const line = expectOneLineError(run);
    expect(line).toMatch(/token/i);
    expect(line).not.toContain(wrong);
    expect(line).not.toContain(TOKEN);
    expect(run.stdout).toBe("");

    expect(expectOneLineError(await tether(["--url", t.url, "status"]))).toMatch(/token/i);
  });

  it("the token can come from the environment instead of --token", async () => {
    const run = await tether(["--url", t.url, "status"], { TETHER_AGENT_TOKEN: TOKEN });
    expect(expectOk(run)).toMatch(/auth on/);
  });
});

describe("tether start with bad configuration", () => {
  const cases: { name: string; value: string; secret?: boolean }[] = [
    { name: "TETHER_AGENT_PORT", value: "abc" },
    { name: "TETHER_AGENT_PORT", value: "70000" },
    { name: "TETHER_AGENT_TOKEN", value: "Qz7#k", secret: true },
    { name: "TETHER_AGENT_DEV_MODE", value: "maybe" },
  ];
  for (const c of cases) {
    it(`${c.name}=${c.secret ? "<short secret>" : c.value} fails with one line naming it`, async () => {
      const run = await tether(["start"], {
        TETHER_AGENT_HOST: "127.0.0.1",
        TETHER_AGENT_PORT: "0",
        TETHER_AGENT_DATA_DIR: join(cwd.path, "data"),
        TETHER_AGENT_LOG_LEVEL: "silent",
        [c.name]: c.value,
      });
      const line = expectOneLineError(run, "non-zero");
      expect(line).toContain(c.name);
      if (c.secret) expect(run.stderr + run.stdout).not.toContain(c.value);
      else expect(line).toContain(c.value);
    });
  }
});

describe("tether start when something is in the way", () => {
  const startEnv = (extra: Record<string, string>) => ({
    TETHER_AGENT_HOST: "127.0.0.1",
    TETHER_AGENT_LOG_LEVEL: "silent",
    ...extra,
  });

  it("a port already in use is one line saying so and how to pick another", async () => {
    const taken = await startTestDaemon({ token: TOKEN, host: "127.0.0.1" });
    try {
      const port = new URL(taken.url).port;
      const run = await tether(
        ["start"],
        startEnv({ TETHER_AGENT_PORT: port, TETHER_AGENT_DATA_DIR: join(cwd.path, "other") }),
      );
      expect(expectOneLineError(run)).toMatch(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--port`),
      );
    } finally {
      await taken.close();
    }
  });

  it("a data dir another daemon is using is one line naming that daemon", async () => {
    const dataDir = join(cwd.path, "shared");
    const first = await spawnDaemon(dataDir, { TETHER_AGENT_TOKEN: TOKEN });
    try {
      const run = await tether(
        ["start"],
        startEnv({ TETHER_AGENT_PORT: "0", TETHER_AGENT_DATA_DIR: dataDir }),
      );
      expect(expectOneLineError(run)).toMatch(
        new RegExp(`another Tether \\(pid ${first.process.pid}\\) is using the data dir`),
      );
    } finally {
      await first.kill("SIGTERM");
    }
    // Stopped cleanly, it lets go: the next daemon starts on the same dir.
    const next = await spawnDaemon(dataDir, { TETHER_AGENT_TOKEN: TOKEN });
    await next.kill("SIGTERM");
  });
});
