// `tether doctor` through the real bundle, in a temp HOME with fake `claude` and `codex` on a
// PATH of their own: a healthy setup is all ok (exit 0); a broken one names each problem and
// what to do (exit 1); a port held by a Tether is fine, by anything else is not.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli, userEnv } from "../helpers/cli.js";
import { startTestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";

const TOKEN = "cli-doctor-token-3a9d1-0123456789abcdef0123456";

let home: { path: string; remove(): void };
let bin: string;
beforeEach(() => {
  home = tempDir("tether-doctor-");
  bin = join(home.path, "bin");
  mkdirSync(bin);
  return () => home.remove();
});

/** A fake CLI on the test's PATH: prints `output` and exits `code` for any arguments. */
function fakeCli(name: string, output: string, code = 0): string {
  const file = join(bin, name);
  // Builtins only: PATH holds nothing but the fakes.
  writeFileSync(file, `#!/bin/sh\necho '${output}'\nexit ${code}\n`, { mode: 0o755 });
  return file;
}

function doctor(args: string[], extra: Record<string, string> = {}) {
  return runCli(["doctor", ...args], {
    cwd: home.path,
    // Only the fakes on PATH: the machine's own claude or codex must not decide the result.
    env: userEnv(home.path, { PATH: bin, ...extra }),
  });
}

/** The doctor's line for `name`, as `status  name  detail`. */
function line(stdout: string, name: string): string {
  const found = stdout.split("\n").find((l) => new RegExp(`^\\w+ +${name} {2,}`).test(l));
  expect(found, `a line for ${name} in:\n${stdout}`).toBeDefined();
  return found!.replace(/ {2,}/g, "  ");
}

function healthyToken(): string {
  const dir = join(home.path, ".config", "tether");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "token");
  writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
  return file;
}

describe("tether doctor", () => {
  it("on a healthy setup: every line ok, exit 0", async () => {
    const claude = fakeCli("claude", '{"loggedIn":true,"authMethod":"claude.ai"}');
    const codex = fakeCli("codex", "Logged in using ChatGPT");
    const tokenFile = healthyToken();
    const dataDir = join(home.path, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    const port = await closedPort();
    const run = await doctor([], {
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: String(port),
      TETHER_AGENT_DATA_DIR: dataDir,
      TETHER_VAPID_SUBJECT: "mailto:me@example.com",
      TETHER_PUBLIC_URL: "https://tether.example.com",
      TETHER_NTFY_URL: "https://ntfy.sh/secret-topic-name",
      TELEGRAM_BOT_TOKEN: "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ",
      TELEGRAM_FORUM_GROUP_ID: "-1001234567890",
    });
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);
    const out = run.stdout;
    expect(line(out, "node")).toMatch(new RegExp(`^ok  node  ${process.version} \\(Tether needs `));
    expect(line(out, "data dir")).toBe(`ok  data dir  ${dataDir} (mode 700)`);
    expect(line(out, "disk")).toMatch(/^ok {2}disk {2}\d+ MB free$/);
    expect(line(out, "token")).toBe(`ok  token  ${tokenFile} (mode 600)`);
    expect(line(out, "port")).toBe(`ok  port  127.0.0.1:${port} is free`);
    expect(line(out, "claude")).toBe(`ok  claude  ${claude}, logged in (claude.ai)`);
    expect(line(out, "codex")).toBe(`ok  codex  ${codex}, logged in with ChatGPT`);
    expect(line(out, "adapter")).toBe(
      "ok  adapter  claude_auto, the kind of a new session (TETHER_AGENT_ADAPTER): Claude Code via `@anthropic-ai/claude-agent-sdk`, on your Claude Code login if there is one, else `ANTHROPIC_API_KEY`",
    );
    expect(line(out, "web push")).toBe("ok  web push  VAPID subject mailto:me@example.com");
    expect(line(out, "ntfy")).toBe("ok  ntfy  topic on https://ntfy.sh");
    expect(line(out, "public url")).toBe("ok  public url  https://tether.example.com");
    expect(line(out, "telegram")).toMatch(/^ok {2}telegram {2}configured/);
    expect(out.endsWith("all good\n")).toBe(true);
    // Secrets are named, never shown.
    expect(out).not.toContain("secret-topic-name");
    expect(out).not.toContain("AAbbCC");
    expect(out).not.toContain(TOKEN);
  });

  it("on a broken setup: names each problem and what to do, exit 1", async () => {
    fakeCli("claude", '{"loggedIn":false,"authMethod":"none"}', 1);
    // No codex at all.
    const tokenFile = healthyToken();
    chmodSync(tokenFile, 0o644);
    const dataDir = join(home.path, "data-is-a-file");
    writeFileSync(dataDir, "");
    const other: Server = createServer((_req, res) => res.end("hello from something else"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    try {
      const run = await doctor(["--port", String(port), "--data-dir", dataDir], {
        TETHER_AGENT_HOST: "127.0.0.1",
        SLACK_BOT_TOKEN: "xoxb-123-456-abc",
        DISCORD_BOT_TOKEN: "not-a-discord-token",
        DISCORD_CHANNEL_ID: "123456789012345678",
      });
      expect(run.stderr).toBe("");
      expect(run.code, run.stdout).toBe(1);
      const out = run.stdout;
      expect(line(out, "data dir")).toBe(
        `fail  data dir  ${dataDir} is a file, not a directory; move it away or set --data-dir elsewhere`,
      );
      expect(line(out, "token")).toBe(
        `fail  token  ${tokenFile} is readable by others (mode 644); \`chmod 600 ${tokenFile}\``,
      );
      expect(line(out, "port")).toBe(
        `fail  port  ${port} is in use by another program, not Tether; stop it, or choose another port with --port`,
      );
      expect(line(out, "claude")).toMatch(
        /^warn {2}claude {2}.*claude is not logged in; run `claude`/,
      );
      expect(line(out, "codex")).toMatch(
        /^warn {2}codex {2}not on PATH; .*npm install -g @openai\/codex/,
      );
      expect(line(out, "slack")).toBe(
        "fail  slack  SLACK_BOT_TOKEN set but not SLACK_APP_TOKEN, SLACK_CHANNEL_ID; set them too, or unset the rest",
      );
      expect(line(out, "discord")).toBe(
        "fail  discord  DISCORD_BOT_TOKEN does not look like a bot token of three dot-separated parts",
      );
      expect(out).toMatch(/\n5 problems, \d+ warnings\n$/);
      expect(out).not.toContain("xoxb-123");
      expect(out).not.toContain("not-a-discord-token");
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("a port held by a running Tether is fine: it is the daemon", async () => {
    const t = await startTestDaemon({ token: TOKEN, host: "127.0.0.1" });
    try {
      const port = new URL(t.url).port;
      const run = await doctor(["--port", port, "--host", "127.0.0.1"], {
        TETHER_AGENT_TOKEN: TOKEN,
      });
      expect(line(run.stdout, "port")).toMatch(
        new RegExp(`^ok  port  ${port}: Tether \\S+ is running there$`),
      );
      // Without the token it still knows a Tether from a stranger.
      const locked = await doctor(["--port", port, "--host", "127.0.0.1"]);
      expect(line(locked.stdout, "port")).toBe(
        `ok  port  ${port}: a Tether is running there (with another token)`,
      );
    } finally {
      await t.close();
    }
  });

  it("a bad setting is one failed line, and the checks that need settings are skipped", async () => {
    const run = await doctor(["--port", "99999"]);
    expect(run.code).toBe(1);
    expect(line(run.stdout, "settings")).toBe(
      'fail  settings  --port: must be a whole number from 0 to 65535 (got "99999"); the checks that need settings are skipped',
    );
    expect(run.stdout).not.toMatch(/^\w+ +port /m);
    expect(line(run.stdout, "node")).toMatch(/^ok {2}node/);
  });

  it.runIf(process.platform === "linux")("a data dir under /proc fails at once", async () => {
    const run = await doctor(["--data-dir", "/proc/tether-test"]);
    expect(run.code).toBe(1);
    expect(line(run.stdout, "data dir")).toBe(
      "fail  data dir  /proc/tether-test is on /proc, which cannot hold files; set --data-dir to a directory on a disk",
    );
  });
});
