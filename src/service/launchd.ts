// A launchd agent: ~/Library/LaunchAgents/dev.tether.plist, loaded into the user's GUI domain
// with `launchctl bootstrap gui/<uid>`. launchd.plist(5) gives the keys.
import { join } from "node:path";
import type { ServiceManager } from "./manager.js";
import type { Runner } from "./run.js";
import type { ServiceSpec } from "./spec.js";

export const LABEL = "dev.tether";

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const string = (text: string) => `<string>${xml(text)}</string>`;

export function launchdPlist(spec: ServiceSpec, logFile: string): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `tether service install`; `tether service uninstall` removes it. -->",
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${string(LABEL)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...[spec.node, spec.script, ...spec.args].map((a) => `    ${string(a)}`),
    "  </array>",
    "  <key>WorkingDirectory</key>",
    `  ${string(spec.workingDirectory)}`,
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...spec.env.flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    ${string(v)}`]),
    "  </dict>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    // Restarted when it dies, not when it stopped on purpose (exit 0).
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>10</integer>",
    "  <key>StandardOutPath</key>",
    `  ${string(logFile)}`,
    "  <key>StandardErrorPath</key>",
    `  ${string(logFile)}`,
    "</dict>",
    "</plist>",
    "",
  ];
  return lines.join("\n");
}

export function launchdManager(home: string, uid: number): ServiceManager {
  const domain = `gui/${uid}`;
  const file = join(home, "Library", "LaunchAgents", `${LABEL}.plist`);
  const logFile = join(home, "Library", "Logs", "tether.log");
  return {
    name: "launchd",
    file,
    render: (spec) => launchdPlist(spec, logFile),
    async available(run: Runner) {
      const probe = await run("launchctl", ["print", domain]);
      return probe.ok
        ? { ok: true }
        : {
            ok: false,
            reason: `launchctl cannot reach ${domain} (${probe.output.split("\n")[0] || "no answer"})`,
          };
    },
    // A changed plist is read again only when the agent is loaded anew.
    startSteps: (changed) => [
      ...(changed
        ? [{ command: "launchctl", args: ["bootout", `${domain}/${LABEL}`], optional: true }]
        : []),
      { command: "launchctl", args: ["bootstrap", domain, file], optional: !changed },
    ],
    stopSteps: () => [
      { command: "launchctl", args: ["bootout", `${domain}/${LABEL}`], optional: true },
    ],
    afterRemoveSteps: () => [],
    async state(run: Runner) {
      const ran = await run("launchctl", ["print", `${domain}/${LABEL}`]);
      if (!ran.ok) return "not loaded";
      return /state = (\w+)/.exec(ran.output)?.[1] ?? "loaded";
    },
    hints: () => [`logs: ${logFile}`],
  };
}
