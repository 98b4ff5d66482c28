// `tether service install|uninstall|status` on Linux, through the real bundle, in a temp HOME
// and XDG_CONFIG_HOME. `systemctl` is a fake on PATH that logs its arguments, so no test ever
// reaches the machine's real user manager: once as a machine without a user systemd (CI, a
// container), once as one with it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli, userEnv } from "../helpers/cli.js";
import { CLI, startTestDaemon, tempDir } from "../helpers/daemon.js";

const SYSTEMD_ANALYZE = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find(existsSync);
const TOKEN = "cli-service-token-5d1e3-0123456789abcdef012345";

let home: { path: string; remove(): void };
beforeEach(() => {
  home = tempDir("tether-service-");
  return () => home.remove();
});

const unitFile = () => join(home.path, ".config", "systemd", "user", "tether.service");
const systemctlLog = () => join(home.path, "systemctl.log");

/** A `systemctl` that logs each call; with `up`, answers as a user manager would, else as
 * a machine without one does. */
function fakeSystemctl(up: boolean): string {
  const bin = join(home.path, "bin");
  execFileSync("mkdir", ["-p", bin]);
  const file = join(bin, "systemctl");
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      `echo "$*" >> '${systemctlLog()}'`,
      up
        ? 'case "$*" in *is-active*) echo active;; esac; exit 0'
        : 'echo "Failed to connect to bus: No medium found" >&2; exit 1',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return bin;
}

function service(args: string[], up: boolean, extra: Record<string, string> = {}) {
  const bin = fakeSystemctl(up);
  return runCli(["service", ...args], {
    cwd: home.path,
    env: userEnv(home.path, { PATH: `${bin}:${process.env.PATH}`, ...extra }),
  });
}

const calls = () =>
  existsSync(systemctlLog()) ? readFileSync(systemctlLog(), "utf8").trim().split("\n") : [];

describe.runIf(process.platform === "linux")("tether service (systemd)", () => {
  it("install writes a unit systemd accepts; without a user systemd it prints what to run", async () => {
    const run = await service(["install", "--data-dir", "state", "--port", "9321"], false, {
      TETHER_AGENT_LOG_LEVEL: "warn",
      TELEGRAM_BOT_TOKEN: "123456:secret-telegram-token-value-abcdefghij",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`wrote ${unitFile()}\n`);
    expect(run.stdout).toContain(
      "systemctl --user cannot reach a user systemd here (Failed to connect to bus: No medium found); to start it, run:\n" +
        "  systemctl --user daemon-reload\n  systemctl --user enable tether.service\n  systemctl --user restart tether.service\n",
    );
    expect(run.stdout).toMatch(/note: TELEGRAM_BOT_TOKEN is set in this shell but not written/);

    const unit = readFileSync(unitFile(), "utf8");
    const dataDir = join(realpathSync(home.path), "state");
    expect(unit).toContain(
      `ExecStart="${process.execPath}" "${realpathSync(CLI)}" "start" "--data-dir" "${dataDir}"\n`,
    );
    expect(unit).toContain('Environment="TETHER_AGENT_PORT=9321"\n');
    expect(unit).toContain('Environment="TETHER_AGENT_LOG_LEVEL=warn"\n');
    expect(unit).toMatch(/^Environment="PATH=.+"$/m);
    expect(unit).toContain("Restart=on-failure\n");
    expect(unit).toContain("WantedBy=default.target\n");
    expect(unit).not.toContain("secret-telegram-token");
    // Only the probe: nothing to run against a manager that is not there.
    expect(calls()).toEqual(["--user show-environment"]);

    if (SYSTEMD_ANALYZE) {
      // --man=no: the unit names no man pages; verify checks ExecStart's binary exists.
      const verified = execFileSync(SYSTEMD_ANALYZE, ["verify", "--man=no", unitFile()], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(verified).toBe("");
    } else {
      console.warn("systemd-analyze not found: the unit was not verified by systemd");
    }

    // Again with the same settings: nothing changes, and it says so.
    const again = await service(["install", "--data-dir", "state", "--port", "9321"], false, {
      TETHER_AGENT_LOG_LEVEL: "warn",
    });
    expect(again.stdout).toContain(`unchanged: ${unitFile()}\n`);
    expect(again.stdout).toContain("  systemctl --user enable --now tether.service\n");
    expect(readFileSync(unitFile(), "utf8")).toBe(unit);

    const status = await service(["status"], false);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^installed: ${unitFile()}\\nsystemd: unknown; systemctl --user cannot reach a user systemd here .*\\ndaemon: not answering at http://127\\.0\\.0\\.1:9321 \\(ECONNREFUSED\\)\\n$`,
      ),
    );

    const removed = await service(["uninstall"], false);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed ${unitFile()}\n`);
    expect(existsSync(unitFile())).toBe(false);
    expect((await service(["status"], false)).stdout).toMatch(
      new RegExp(`^not installed \\(no ${unitFile()}\\)\\n`),
    );
    expect((await service(["uninstall"], false)).stdout).toBe(`not installed (no ${unitFile()})\n`);
  });

  it.runIf(SYSTEMD_ANALYZE)(
    "a data dir with spaces, % and $ is quoted so systemd reads it back",
    async () => {
      const run = await service(["install", "--data-dir", 'my data 100% $HOME "q"'], false);
      expect(run.code, run.stderr).toBe(0);
      const unit = readFileSync(unitFile(), "utf8");
      expect(unit).toContain(
        `"--data-dir" "${realpathSync(home.path)}/my data 100%% $$HOME \\"q\\""`,
      );
      execFileSync(SYSTEMD_ANALYZE!, ["verify", "--man=no", unitFile()], { stdio: "pipe" });
    },
  );

  it("with a user systemd it reloads, enables and starts, and uninstall stops it first", async () => {
    const run = await service(["install", "--data-dir", "state"], true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "ran: systemctl --user daemon-reload\nran: systemctl --user enable tether.service\nran: systemctl --user restart tether.service\n",
    );
    expect(calls()).toEqual([
      "--user show-environment",
      "--user daemon-reload",
      "--user enable tether.service",
      "--user restart tether.service",
    ]);
    const status = await service(["status"], true);
    expect(status.stdout).toMatch(/\nsystemd: active\n/);

    const removed = await service(["uninstall"], true);
    expect(removed.stdout).toBe(
      `ran: systemctl --user disable --now tether.service\nremoved ${unitFile()}\nran: systemctl --user daemon-reload\n`,
    );
    expect(calls().slice(-4)).toEqual([
      "--user show-environment",
      "--user disable --now tether.service",
      "--user show-environment",
      "--user daemon-reload",
    ]);
  });

  it("status says whether the service's daemon answers, on the port the unit names", async () => {
    const t = await startTestDaemon({ token: TOKEN, host: "127.0.0.1" });
    try {
      const port = new URL(t.url).port;
      await service(["install", "--port", port], false);
      const status = await service(["status"], false, { TETHER_AGENT_TOKEN: TOKEN });
      expect(status.stdout).toMatch(
        new RegExp(`\\ndaemon: answering at http://127\\.0\\.0\\.1:${port} \\(Tether \\S+\\)\\n$`),
      );
    } finally {
      await t.close();
    }
  });
});
