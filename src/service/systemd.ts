// A systemd user unit: ~/.config/systemd/user/tether.service (under $XDG_CONFIG_HOME when set),
// started with `systemctl --user`. systemd.unit(5) and systemd.exec(5) give the quoting rules.
import { join } from "node:path";
import type { ServiceManager, Step } from "./manager.js";
import type { Runner } from "./run.js";
import type { ServiceSpec } from "./spec.js";

export const UNIT_NAME = "tether.service";

/** One word of ExecStart=, double-quoted: `\` and `"` escaped, `%` (specifiers) doubled, `$`
 * (variable expansion) doubled. */
function execWord(word: string): string {
  return `"${word.replace(/[\\"]/g, "\\$&").replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

/** An Environment= assignment, double-quoted; `%` doubled (no `$` expansion there). */
function envAssignment(key: string, value: string): string {
  return `"${`${key}=${value}`.replace(/[\\"]/g, "\\$&").replace(/%/g, "%%")}"`;
}

function noLineBreaks(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${what} holds a line break, which a unit file cannot`);
  return value;
}

export function systemdUnit(spec: ServiceSpec): string {
  const exec = [spec.node, spec.script, ...spec.args]
    .map((w) => execWord(noLineBreaks(w, "a command word")))
    .join(" ");
  const env = spec.env.map(([k, v]) => `Environment=${envAssignment(k, noLineBreaks(v, k))}`);
  return [
    "# Written by `tether service install`; `tether service uninstall` removes it.",
    "[Unit]",
    "Description=Tether: supervise AI coding agents and answer them from your phone",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    // `~`: the user's home, as systemd knows it (the setting takes no quotes). Not the
    // directory of the install, which may go away; the settings of its .env are in the unit.
    "WorkingDirectory=~",
    ...env,
    "Restart=on-failure",
    "RestartSec=3",
    "# Exit code 2 is a bad setting: starting again cannot fix it.",
    "RestartPreventExitStatus=2",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

const ctl = (...args: string[]): Step => ({ command: "systemctl", args: ["--user", ...args] });

export function systemdManager(
  env: Record<string, string | undefined>,
  home: string,
): ServiceManager {
  const configHome = env.XDG_CONFIG_HOME || join(home, ".config");
  return {
    name: "systemd",
    file: join(configHome, "systemd", "user", UNIT_NAME),
    render: systemdUnit,
    async available(run: Runner) {
      const probe = await run("systemctl", ["--user", "show-environment"]);
      if (probe.ok) return { ok: true };
      return {
        ok: false,
        reason: `systemctl --user cannot reach a user systemd here (${probe.output.split("\n")[0] || "no answer"})`,
      };
    },
    startSteps: (changed) =>
      changed
        ? [ctl("daemon-reload"), ctl("enable", UNIT_NAME), ctl("restart", UNIT_NAME)]
        : [ctl("enable", "--now", UNIT_NAME)],
    stopSteps: () => [{ ...ctl("disable", "--now", UNIT_NAME), optional: true }],
    afterRemoveSteps: () => [ctl("daemon-reload")],
    async state(run: Runner) {
      const ran = await run("systemctl", ["--user", "is-active", UNIT_NAME]);
      return ran.output.split("\n")[0] || (ran.ok ? "active" : "inactive");
    },
    hints: () => [
      `logs: journalctl --user -u ${UNIT_NAME} -f`,
      'to keep it running after you log out (and start it at boot): loginctl enable-linger "$USER"',
    ],
  };
}
