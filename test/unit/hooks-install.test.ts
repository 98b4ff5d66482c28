// Installing Tether's hooks in a settings file and taking them out: one set however often it runs,
// an older Tether's command replaced rather than doubled, the user's own hooks and keys never
// touched, and uninstall giving back the user's file byte for byte when nobody changed it since.
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOOKS, hookCommand } from "../../dist/hooks/events.js";
import {
  tetherCommands,
  withoutTether,
  withTetherHooks,
} from "../../dist/hooks/install/hook-groups.js";
import { formatLike } from "../../dist/hooks/install/json-file.js";
import {
  backupPath,
  installHooks,
  recordPath,
  uninstallHooks,
} from "../../dist/hooks/install/settings-install.js";
import { tempDir } from "../helpers/daemon.js";

const NOW = hookCommand("claude", "/usr/bin/node", "/opt/tether/dist/bundle/tether.js");
const OLD = hookCommand(
  "claude",
  "/usr/local/bin/node",
  "/home/u/old tether/dist/bundle/tether.js",
);

/** A user's file with their own hooks, for one of the same events too, in their formatting. */
const USERS_FILE = `{
    "model": "opus",
    "permissions": { "allow": ["Bash(ls:*)"] },
    "hooks": {
        "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }],
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./guard.sh" }] }
        ]
    }
}`;

let dir: { path: string; remove(): void };
let file: string;
beforeEach(() => {
  dir = tempDir("tether-hooks-unit-");
  file = join(dir.path, "settings.json");
});
afterEach(() => dir.remove());

const read = () => readFileSync(file, "utf8");
const parsed = () =>
  JSON.parse(read()) as {
    hooks: Record<string, { matcher?: string; hooks: { command: string; timeout?: number }[] }[]>;
  };
const install = (command = NOW) => installHooks(file, "claude", HOOKS.claude, command);

describe("withTetherHooks", () => {
  it("adds one group per event, with the matcher only on tool events and each event's timeout", () => {
    const { root, changes } = withTetherHooks({}, "claude", HOOKS.claude, NOW);
    expect(changes.map((c) => c.change)).toEqual(HOOKS.claude.map(() => "added"));
    const hooks = (root as { hooks: Record<string, unknown[]> }).hooks;
    expect(Object.keys(hooks)).toEqual(HOOKS.claude.map((s) => s.event));
    expect(hooks.PermissionRequest).toEqual([
      { matcher: "*", hooks: [{ type: "command", command: NOW, timeout: 600 }] },
    ]);
    expect(hooks.Stop).toEqual([{ hooks: [{ type: "command", command: NOW, timeout: 550 }] }]);
  });

  it("replaces an older Tether's command in place and drops events it no longer uses", () => {
    const old = withTetherHooks({}, "claude", HOOKS.claude, OLD).root as {
      hooks: Record<string, unknown>;
    };
    old.hooks.PreCompact = [{ hooks: [{ type: "command", command: OLD }] }];
    const { root, changes } = withTetherHooks(old, "claude", HOOKS.claude, NOW);
    expect(changes).toContainEqual({ event: "PreCompact", change: "removed" });
    expect(changes.filter((c) => c.change === "updated")).toHaveLength(HOOKS.claude.length);
    const commands = tetherCommands(root, "claude");
    expect([...commands.keys()]).toEqual(HOOKS.claude.map((s) => s.event));
    for (const list of commands.values()) expect(list).toEqual([NOW]);
  });

  it("changes nothing when the hooks are current, and leaves Codex's hooks to Codex", () => {
    const once = withTetherHooks({}, "claude", HOOKS.claude, NOW).root;
    expect(withTetherHooks(once, "claude", HOOKS.claude, NOW).changes).toEqual([]);
    expect(tetherCommands(once, "codex").size).toBe(0);
  });

  it("takes a Tether hook out of a user's group without touching the user's hook beside it", () => {
    const mixed = {
      hooks: {
        Stop: [
          {
            hooks: [
              { type: "command", command: "notify-send done" },
              { type: "command", command: OLD },
            ],
          },
        ],
      },
    };
    const { root } = withTetherHooks(mixed, "claude", HOOKS.claude, NOW);
    expect((root as typeof mixed).hooks.Stop).toEqual([
      { hooks: [{ type: "command", command: "notify-send done" }] },
      { hooks: [{ type: "command", command: NOW, timeout: 550 }] },
    ]);
    const { root: back } = withoutTether(root, "claude", undefined);
    expect(back).toEqual({
      hooks: { Stop: [{ hooks: [{ type: "command", command: "notify-send done" }] }] },
    });
  });

  it("refuses settings whose hooks are not the shape it knows", () => {
    expect(() => withTetherHooks({ hooks: [] }, "claude", HOOKS.claude, NOW)).toThrow(
      /"hooks" is not an object/,
    );
    expect(() => withTetherHooks({ hooks: { Stop: {} } }, "claude", HOOKS.claude, NOW)).toThrow(
      /"hooks.Stop" is not a list/,
    );
  });
});

describe("formatLike", () => {
  it("keeps the file's indentation and final newline; a one-line file stays one line", () => {
    expect(formatLike('{\n\t"a": 1\n}', { a: 1, b: 2 })).toBe('{\n\t"a": 1,\n\t"b": 2\n}');
    expect(formatLike('{"a":1}\n', { a: 1, b: 2 })).toBe('{"a":1,"b":2}\n');
    expect(formatLike(undefined, { a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(formatLike("{}", { a: 1 })).toBe('{\n  "a": 1\n}');
  });
});

describe("installHooks / uninstallHooks on a file", () => {
  it("installs once however often it runs, and keeps the user's keys and hooks", () => {
    writeFileSync(file, USERS_FILE);
    const first = install();
    expect(first.changes).toHaveLength(HOOKS.claude.length);
    expect(first.backup).toBe(backupPath(file));
    const after = read();
    const second = install();
    expect(second.changes).toEqual([]);
    expect(read()).toBe(after);
    const settings = parsed() as unknown as Record<string, unknown> & ReturnType<typeof parsed>;
    expect(settings.model).toBe("opus");
    expect(settings.permissions).toEqual({ allow: ["Bash(ls:*)"] });
    expect(settings.hooks.Stop?.[0]).toEqual({
      hooks: [{ type: "command", command: "notify-send done" }],
    });
    expect(settings.hooks.Stop).toHaveLength(2);
    expect(settings.hooks.PreToolUse).toEqual([
      { matcher: "Bash", hooks: [{ type: "command", command: "./guard.sh" }] },
    ]);
    // Four spaces, as the user wrote it.
    expect(after).toMatch(/^\{\n {4}"model"/);
  });

  it("after install, uninstall gives back the user's file byte for byte, mode included", () => {
    writeFileSync(file, USERS_FILE);
    chmodSync(file, 0o600);
    install();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(backupPath(file), "utf8")).toBe(USERS_FILE);
    const result = uninstallHooks(file, "claude");
    expect(result.outcome).toBe("restored");
    expect(read()).toBe(USERS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(backupPath(file))).toBe(false);
    expect(existsSync(recordPath(file))).toBe(false);
  });

  it("an upgrade (another CLI path) replaces the hooks, and uninstall still restores the original", () => {
    writeFileSync(file, USERS_FILE);
    install(OLD);
    const upgrade = install(NOW);
    expect(upgrade.changes.every((c) => c.change === "updated")).toBe(true);
    expect(readFileSync(backupPath(file), "utf8")).toBe(USERS_FILE);
    for (const list of tetherCommands(parsed(), "claude").values()) expect(list).toEqual([NOW]);
    expect(uninstallHooks(file, "claude").outcome).toBe("restored");
    expect(read()).toBe(USERS_FILE);
  });

  it("a file edited since install keeps the edits and loses only Tether's hooks", () => {
    writeFileSync(file, USERS_FILE);
    install();
    const edited = parsed() as unknown as Record<string, unknown>;
    edited.theme = "light";
    writeFileSync(file, JSON.stringify(edited, null, 4));
    const result = uninstallHooks(file, "claude");
    expect(result.outcome).toBe("edited");
    expect(result.backupKept).toBe(backupPath(file));
    expect(JSON.parse(read())).toEqual({ ...JSON.parse(USERS_FILE), theme: "light" });
  });

  it("a file Tether created is deleted again; with the user's edits it stays, without Tether's hooks", () => {
    const created = install();
    expect(created.createdFile).toBe(true);
    expect(created.backup).toBeUndefined();
    expect(uninstallHooks(file, "claude").outcome).toBe("deleted");
    expect(existsSync(file)).toBe(false);

    install();
    writeFileSync(file, read().replace("{", '{\n  "theme": "light",'));
    expect(uninstallHooks(file, "claude").outcome).toBe("edited");
    expect(JSON.parse(read())).toEqual({ theme: "light" });
  });

  it("a file that is not JSON is refused and left as it was", () => {
    writeFileSync(file, '{ "model": "opus", }');
    expect(() => install()).toThrow(/is not valid JSON .*nothing was changed/);
    expect(read()).toBe('{ "model": "opus", }');
    expect(existsSync(backupPath(file))).toBe(false);
  });

  it("writes through a symlinked settings file, which stays a link", () => {
    const real = join(dir.path, "dotfiles-settings.json");
    writeFileSync(real, USERS_FILE);
    symlinkSync(real, file);
    install();
    expect(tetherCommands(JSON.parse(readFileSync(real, "utf8")), "claude").size).toBe(
      HOOKS.claude.length,
    );
    expect(uninstallHooks(file, "claude").outcome).toBe("restored");
    expect(readFileSync(real, "utf8")).toBe(USERS_FILE);
    expect(readFileSync(file, "utf8")).toBe(USERS_FILE);
  });

  it("uninstall with no Tether hooks changes nothing", () => {
    writeFileSync(file, USERS_FILE);
    expect(uninstallHooks(file, "claude").outcome).toBe("none");
    expect(read()).toBe(USERS_FILE);
  });
});
