// `tether hooks install | uninstall | status` as users run it (the bundle, dist/bundle/tether.js),
// in a temp home: one set of hooks however often it runs, the user's own hooks kept, uninstall
// giving back their files byte for byte, Codex's hooks trusted by the real Codex (or the one step
// left printed when that cannot be done), and status saying what is there and whether the daemon
// answers. Never the real home, never the token in an agent's config.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexCommand } from "../../dist/adapters/codex/binary.js";
import { HOOKS, hookCommand } from "../../dist/hooks/events.js";
import { processesMentioning } from "../fakes/support.js";
import { oneLineError, runCli, userEnv } from "../helpers/cli.js";
import { CLI, startTestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "hooks-test-token-9c2d4-0123456789abcdef0123456789";

let root: { path: string; remove(): void };
let home: string;
let claudeDir: string;
let codexDir: string;

beforeEach(() => {
  root = tempDir("tether-cli-hooks-");
  home = join(root.path, "home");
  claudeDir = join(home, ".claude");
  codexDir = join(home, ".codex");
  mkdirSync(home);
});
afterEach(async () => {
  await waitFor(() => processesMentioning(root.path).length === 0, {
    timeoutMs: 5_000,
    what: "no codex process left behind",
  });
  root.remove();
});

/** The user's environment: HOME in the temp dir, the daemon at a closed port unless given. */
async function env(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return userEnv(home, {
    TETHER_CONFIG: join(root.path, "no-config.json"),
    TETHER_API_URL: `http://127.0.0.1:${await closedPort()}`,
    TETHER_AGENT_TOKEN: TOKEN,
    ...extra,
  });
}

async function tether(args: string[], extra: Record<string, string> = {}) {
  return runCli(["hooks", ...args], { cwd: root.path, env: await env(extra), timeoutMs: 30_000 });
}

function ok(run: { code: number | string; stdout: string; stderr: string }): string {
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toBe("");
  return run.stdout;
}

const command = (agent: "claude" | "codex") =>
  hookCommand(agent, process.execPath, realpathSync(CLI));

interface HookFile {
  hooks: Record<
    string,
    { matcher?: string; hooks: { type: string; command: string; timeout?: number }[] }[]
  >;
}
const readJson = (path: string) =>
  JSON.parse(readFileSync(path, "utf8")) as HookFile & Record<string, unknown>;

/** The commands of every hook in a file, by event. */
function commandsByEvent(file: HookFile): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(file.hooks).map(([event, groups]) => [
      event,
      groups.flatMap((g) => g.hooks.map((h) => h.command)),
    ]),
  );
}

const USER_CLAUDE = `{
    "model": "opus",
    "hooks": {
        "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }]
    }
}
`;
const USER_CODEX = `{"hooks":{"PostToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./audit.sh"}]}]}}\n`;

describe("tether hooks install / uninstall (Claude Code)", () => {
  it("installs one set however often it runs, keeps the user's hooks, and uninstall gives their file back byte for byte", async () => {
    mkdirSync(claudeDir);
    const settings = join(claudeDir, "settings.json");
    writeFileSync(settings, USER_CLAUDE);
    chmodSync(settings, 0o640);

    const first = ok(await tether(["install", "--claude"]));
    expect(first).toContain(`Claude Code, user settings: ${settings}`);
    expect(first).toContain(`added: ${HOOKS.claude.map((s) => s.event).join(", ")}`);
    expect(first).toContain(`the file as it was before: ${settings}.tether-backup`);
    expect(first).toMatch(/Daemon: not reachable from here/);
    const installed = readFileSync(settings, "utf8");

    const second = ok(await tether(["install", "--claude"]));
    expect(second).toContain("already installed and current: nothing changed");
    expect(readFileSync(settings, "utf8")).toBe(installed);

    const byEvent = commandsByEvent(readJson(settings));
    for (const spec of HOOKS.claude) {
      const ours = byEvent[spec.event]?.filter((c) => c === command("claude"));
      expect(ours, spec.event).toHaveLength(1);
    }
    expect(byEvent.Stop).toEqual(["notify-send done", command("claude")]);
    expect(readJson(settings).model).toBe("opus");
    expect(installed).not.toContain(TOKEN);
    expect(readJson(settings).hooks.PermissionRequest).toEqual([
      { matcher: "*", hooks: [{ type: "command", command: command("claude"), timeout: 600 }] },
    ]);

    const removed = ok(await tether(["uninstall", "--claude"]));
    expect(removed).toContain("put back the file as it was before install, byte for byte");
    expect(readFileSync(settings, "utf8")).toBe(USER_CLAUDE);
    expect(existsSync(`${settings}.tether-backup`)).toBe(false);

    const again = ok(await tether(["uninstall", "--claude"]));
    expect(again).toContain("no Tether hooks in it: nothing changed");
  });

  it("replaces an older Tether's hooks instead of adding a second set", async () => {
    mkdirSync(claudeDir);
    const settings = join(claudeDir, "settings.json");
    const old = hookCommand(
      "claude",
      "/usr/local/bin/node",
      "/old/lib/node_modules/tether/dist/bundle/tether.js",
    );
    writeFileSync(
      settings,
      JSON.stringify({
        hooks: { Stop: [{ hooks: [{ type: "command", command: old, timeout: 5 }] }] },
      }),
    );
    const status = ok(await tether(["status"]));
    expect(status).toContain(`not this CLI's command: ${old}`);
    expect(status).toContain("out of date");
    const run = ok(await tether(["install", "--claude"]));
    expect(run).toMatch(/updated: Stop/);
    const byEvent = commandsByEvent(readJson(settings));
    expect(byEvent.Stop).toEqual([command("claude")]);
    expect(ok(await tether(["status"]))).toContain(`current: they run ${command("claude")}`);
  });

  it("with --project DIR (relative too) writes DIR/.claude/settings.json, and deletes it again on uninstall", async () => {
    mkdirSync(join(root.path, "proj"));
    const settings = join(root.path, "proj", ".claude", "settings.json");
    const run = ok(await tether(["install", "--project", "proj"]));
    expect(run).toContain(`Claude Code, project settings: ${settings}`);
    expect(run).toContain("there was no file before: uninstall deletes it again");
    expect(Object.keys(readJson(settings).hooks)).toEqual(HOOKS.claude.map((s) => s.event));
    expect(existsSync(join(claudeDir, "settings.json"))).toBe(false);
    expect(ok(await tether(["status", "--project", "proj"]))).toContain(
      `Claude Code, project settings: ${settings}`,
    );
    expect(ok(await tether(["uninstall", "--project", "proj"]))).toContain("deleted it");
    expect(existsSync(settings)).toBe(false);
  });

  it("refuses a settings file that is not JSON, in one line, writing nothing", async () => {
    mkdirSync(claudeDir);
    const settings = join(claudeDir, "settings.json");
    writeFileSync(settings, '{ "model": "opus", }');
    const line = oneLineError(await tether(["install", "--claude"]), 1);
    expect(line).toContain(`${settings} is not valid JSON`);
    expect(line).toContain("nothing was changed");
    expect(readFileSync(settings, "utf8")).toBe('{ "model": "opus", }');
    expect(existsSync(`${settings}.tether-backup`)).toBe(false);
  });

  it("usage mistakes are one line and exit 2", async () => {
    expect(oneLineError(await tether(["install", "--project", "nowhere"]), 2)).toContain(
      "--project: no such directory",
    );
    mkdirSync(join(root.path, "proj"));
    expect(oneLineError(await tether(["install", "--codex", "--project", "proj"]), 2)).toContain(
      "--project is for Claude Code only",
    );
    expect(oneLineError(await tether(["install", "--cladue"]), 2)).toContain("unknown option");
  });

  it("with no --claude/--codex picks every agent whose config dir exists, else Claude Code", async () => {
    const none = ok(await tether(["install"]));
    expect(none).toContain("Claude Code, user settings");
    expect(none).not.toContain("Codex");
    ok(await tether(["uninstall"]));
    expect(existsSync(join(claudeDir, "settings.json"))).toBe(false);

    const configDir = join(root.path, "claude-config");
    mkdirSync(configDir);
    const custom = ok(await tether(["install"], { CLAUDE_CONFIG_DIR: configDir }));
    expect(custom).toContain(`Claude Code, user settings: ${join(configDir, "settings.json")}`);
    expect(existsSync(join(claudeDir, "settings.json"))).toBe(false);
  });
});

describe("tether hooks status", () => {
  it("says where nothing is installed and whether the daemon answers, exit 0 either way", async () => {
    const down = ok(await tether(["status"]));
    expect(down).toContain(`Claude Code, user settings: ${join(claudeDir, "settings.json")}`);
    expect(down).toContain(
      "not installed (no such file): `tether hooks install --claude` adds them",
    );
    expect(down).toContain(`Codex, user hooks: ${join(codexDir, "hooks.json")}`);
    expect(down).toMatch(/Daemon: not reachable from here \(.*ECONNREFUSED/);
    expect(down).toContain("the hooks answer {} at once");

    const t = await startTestDaemon({ token: TOKEN });
    try {
      const up = ok(await tether(["status"], { TETHER_API_URL: t.url }));
      expect(up).toMatch(new RegExp(`Daemon: Tether \\S+ answers at ${t.url}: the hooks reach it`));
      const wrong = ok(
        await tether(["status"], {
          TETHER_API_URL: t.url,
          TETHER_AGENT_TOKEN: "not-the-token-0000000000000000000",
        }),
      );
      expect(wrong).toContain(`Daemon: answers at ${t.url} but refuses the hooks (`);
      expect(wrong).not.toContain(TOKEN);
    } finally {
      await t.close();
    }
  });
});

// ---- Codex ------------------------------------------------------------------------------------

const codex = codexCommand(process.env.PATH);

/** Tether's hooks as the real Codex lists them (key, trust), asked by the test itself. */
async function codexHooks(
  codexHome: string,
): Promise<{ key: string; command: string; trustStatus: string }[]> {
  const child: ChildProcess = spawn(codex!, ["app-server"], {
    cwd: codexHome,
    env: userEnv(home, { CODEX_HOME: codexHome }),
    stdio: ["pipe", "pipe", "ignore"],
  });
  try {
    type Message = { id?: number; method?: string; result?: unknown; error?: { message: string } };
    const answers = new Map<number, Message>();
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = JSON.parse(line) as Message;
      if (typeof m.id === "number" && m.method === undefined) answers.set(m.id, m);
    });
    const call = async (id: number, method: string, params: unknown) => {
      child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
      const answer = await waitFor(() => answers.get(id), { timeoutMs: 15_000, what: method });
      if (answer.error) throw new Error(answer.error.message);
      return answer.result;
    };
    await call(1, "initialize", {
      clientInfo: { name: "t", title: "t", version: "0" },
      capabilities: {},
    });
    child.stdin!.write(`${JSON.stringify({ method: "initialized" })}\n`);
    const listed = (await call(2, "hooks/list", { cwds: [codexHome] })) as {
      data: {
        hooks: { key: string; command: string; trustStatus: string; sourcePath: string }[];
      }[];
    };
    return listed.data
      .flatMap((d) => d.hooks)
      .filter(
        (h) => h.sourcePath === join(codexHome, "hooks.json") && h.command.includes(" hook codex"),
      );
  } finally {
    child.stdin!.end();
    child.kill("SIGTERM");
  }
}

describe.skipIf(!codex)("tether hooks install / uninstall (Codex)", () => {
  it("installs one set, has the real Codex trust them, and uninstall gives the user's file back byte for byte", async () => {
    mkdirSync(codexDir);
    const hooksFile = join(codexDir, "hooks.json");
    writeFileSync(hooksFile, USER_CODEX);
    const first = ok(await tether(["install", "--codex"]));
    expect(first).toContain(`Codex, user hooks: ${hooksFile}`);
    expect(first).toContain(`added: ${HOOKS.codex.map((s) => s.event).join(", ")}`);
    expect(first).toContain(`trusted ${HOOKS.codex.length} hooks in Codex`);
    expect(readFileSync(hooksFile, "utf8")).not.toContain(TOKEN);
    expect(commandsByEvent(readJson(hooksFile)).PostToolUse).toEqual([
      "./audit.sh",
      command("codex"),
    ]);

    const listed = await codexHooks(codexDir);
    expect(listed.map((h) => h.trustStatus)).toEqual(HOOKS.codex.map(() => "trusted"));
    expect(new Set(listed.map((h) => h.command))).toEqual(new Set([command("codex")]));

    const second = ok(await tether(["install", "--codex"]));
    expect(second).toContain("already installed and current: nothing changed");
    expect(second).toContain("trusted in Codex already");
    expect(ok(await tether(["status"]))).toMatch(
      /Codex, user hooks: .*\n {2}installed for 6 of 6 events[\s\S]*trusted in Codex: yes/,
    );

    const removed = ok(await tether(["uninstall", "--codex"]));
    expect(removed).toContain("put back the file as it was before install, byte for byte");
    expect(removed).toContain(`removed Codex's trust entries for them (${HOOKS.codex.length})`);
    expect(readFileSync(hooksFile, "utf8")).toBe(USER_CODEX);
    expect(readFileSync(join(codexDir, "config.toml"), "utf8")).not.toContain("hooks.json:");
  });

  it("prints the one step left, and exits 0, when Codex cannot trust them", async () => {
    mkdirSync(codexDir);
    // A `codex` on PATH that is not a working Codex: the user's own comes first.
    const bin = join(root.path, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "codex"), "#!/bin/sh\necho 'codex: broken install' >&2\nexit 3\n", {
      mode: 0o755,
    });
    const run = ok(await tether(["install", "--codex"], { PATH: `${bin}:${process.env.PATH}` }));
    expect(run).toContain("not trusted in Codex yet (");
    expect(run).toContain("One step left: open codex and run /hooks, then trust Tether's hooks.");
    expect(Object.keys(readJson(join(codexDir, "hooks.json")).hooks)).toEqual(
      HOOKS.codex.map((s) => s.event),
    );
    const status = ok(await tether(["status"], { PATH: `${bin}:${process.env.PATH}` }));
    expect(status).toMatch(/trusted in Codex: cannot tell \(/);
  });
});
