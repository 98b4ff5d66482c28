// The files `tether service install` writes, as text: the launchd plist (checked with plutil
// where it exists, i.e. on macOS) and the systemd unit's quoting.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { launchdManager, launchdPlist } from "../../dist/service/launchd.js";
import { buildSpec } from "../../dist/service/spec.js";
import { systemdManager, systemdUnit } from "../../dist/service/systemd.js";
import { tempDir } from "../helpers/daemon.js";

const PLUTIL = ["/usr/bin/plutil"].find(existsSync);

let dir: { path: string; remove(): void } | undefined;
afterEach(() => dir?.remove());

const spec = {
  node: "/opt/node/bin/node",
  script: "/opt/tether/dist/bundle/tether.js",
  args: ["start", "--data-dir", "/Users/me/tether data & <more>"],
  env: [
    ["PATH", "/opt/node/bin:/usr/bin"],
    ["TETHER_AGENT_PORT", "9000"],
  ] as [string, string][],
  workingDirectory: "/Users/me",
};

describe("launchd plist", () => {
  it("runs this node and tether with the data dir and settings, restarts on failure", () => {
    const plist = launchdPlist(spec, "/Users/me/Library/Logs/tether.log");
    expect(plist).toContain("<key>Label</key>\n  <string>dev.tether</string>");
    expect(plist).toContain(
      "<array>\n    <string>/opt/node/bin/node</string>\n    <string>/opt/tether/dist/bundle/tether.js</string>\n    <string>start</string>\n    <string>--data-dir</string>\n    <string>/Users/me/tether data &amp; &lt;more&gt;</string>\n  </array>",
    );
    expect(plist).toContain("<key>TETHER_AGENT_PORT</key>\n    <string>9000</string>");
    expect(plist).toContain("<key>RunAtLoad</key>\n  <true/>");
    expect(plist).toContain(
      "<key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>",
    );
    expect(plist).toContain(
      "<key>StandardErrorPath</key>\n  <string>/Users/me/Library/Logs/tether.log</string>",
    );
    if (PLUTIL) {
      dir = tempDir("tether-plist-");
      const file = join(dir.path, "dev.tether.plist");
      writeFileSync(file, plist);
      execFileSync(PLUTIL, ["-lint", file], { stdio: "pipe" });
    }
  });

  it("goes to ~/Library/LaunchAgents and is loaded with launchctl bootstrap gui/<uid>", () => {
    const m = launchdManager("/Users/me", 501);
    expect(m.file).toBe("/Users/me/Library/LaunchAgents/dev.tether.plist");
    expect(m.startSteps(true)).toEqual([
      { command: "launchctl", args: ["bootout", "gui/501/dev.tether"], optional: true },
      { command: "launchctl", args: ["bootstrap", "gui/501", m.file], optional: false },
    ]);
    expect(m.stopSteps()).toEqual([
      { command: "launchctl", args: ["bootout", "gui/501/dev.tether"], optional: true },
    ]);
  });
});

describe("systemd unit", () => {
  it("goes under $XDG_CONFIG_HOME, else ~/.config", () => {
    expect(systemdManager({ XDG_CONFIG_HOME: "/x/cfg" }, "/home/me").file).toBe(
      "/x/cfg/systemd/user/tether.service",
    );
    expect(systemdManager({}, "/home/me").file).toBe(
      "/home/me/.config/systemd/user/tether.service",
    );
  });

  it("quotes words and settings the way systemd unquotes them", () => {
    const unit = systemdUnit({
      ...spec,
      args: ["start", "--data-dir", '/home/me/a "b" 100% $x\\y'],
      env: [["TETHER_ALLOWED_ROOTS", "/home/me/50%"]],
    });
    expect(unit).toContain(
      'ExecStart="/opt/node/bin/node" "/opt/tether/dist/bundle/tether.js" "start" "--data-dir" "/home/me/a \\"b\\" 100%% $$x\\\\y"\n',
    );
    expect(unit).toContain('Environment="TETHER_ALLOWED_ROOTS=/home/me/50%%"\n');
    expect(() => systemdUnit({ ...spec, args: ["start", "--data-dir", "a\nb"] })).toThrow(
      /line break/,
    );
  });
});

describe("what the service runs", () => {
  it("takes non-secret settings from the shell and ./.env, never secrets, and an absolute data dir", () => {
    dir = tempDir("tether-spec-");
    writeFileSync(
      join(dir.path, ".env"),
      "TETHER_AGENT_LOG_LEVEL=debug\nSLACK_BOT_TOKEN=xoxb-secret\n",
    );
    const shell = {
      HOME: "/home/me",
      PATH: "/usr/bin",
      TETHER_CONFIG: "cfg/config.json",
      TETHER_AGENT_PORT: "9000",
      TETHER_AGENT_TOKEN: "a-secret-token-of-enough-length-0123456789",
      TETHER_API_URL: "http://localhost:9000",
    };
    const config = loadConfig({ env: { ...shell, TETHER_AGENT_DATA_DIR: "state" }, cwd: dir.path });
    const { spec: built, notes } = buildSpec(config, shell, dir.path, {
      node: "/n",
      script: "/t.js",
    });
    expect(built.args).toEqual(["start", "--data-dir", join(dir.path, "state")]);
    expect(built.env).toEqual([
      ["PATH", "/usr/bin"],
      ["TETHER_CONFIG", join(dir.path, "cfg/config.json")],
      ["TETHER_AGENT_PORT", "9000"],
      ["TETHER_AGENT_LOG_LEVEL", "debug"],
    ]);
    expect(built.workingDirectory).toBe("/home/me");
    expect(notes.join("\n")).toMatch(/TETHER_AGENT_TOKEN is set in this shell but not written/);
    expect(notes.join("\n")).toMatch(/SLACK_BOT_TOKEN is set in this shell but not written/);
    expect(JSON.stringify(built)).not.toContain("secret");
  });
});
