// `tether service install|uninstall|status`: the daemon as a user service, so it outlives the
// terminal (and, with lingering, logout and reboot). Each run says exactly what it changed;
// where the service manager cannot be reached (no user session, CI, a container), it writes
// the file and prints the commands to run.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname } from "node:path";
import { ConfigError, loadConfig } from "../../config/load.js";
import { readTokenFile } from "../../config/token-file.js";
import { launchdManager } from "../../service/launchd.js";
import type { ServiceManager, Step } from "../../service/manager.js";
import { type Runner, runCommand, shellLine } from "../../service/run.js";
import { buildSpec, currentEntry } from "../../service/spec.js";
import { systemdManager } from "../../service/systemd.js";
import { makeDirs } from "../../shared/make-dirs.js";
import { EXIT_USAGE, fail } from "../exit.js";
import { FlagError } from "../flags.js";
import { localUrl, probeTether } from "../probe.js";
import { type StartConfig, type StartFlags, startConfig } from "../start-config.js";

export type ServiceAction = "install" | "uninstall" | "status";

const say = (line: string) => {
  process.stdout.write(`${line}\n`);
};

function manager(): ServiceManager {
  const home = process.env.HOME || homedir();
  if (process.platform === "linux") return systemdManager(process.env, home);
  if (process.platform === "darwin") return launchdManager(home, userInfo().uid);
  return fail(`tether service: not supported on ${process.platform} (systemd and launchd only)`);
}

export async function service(action: ServiceAction, flags: StartFlags): Promise<void> {
  const m = manager();
  if (action === "install") return install(m, flags, runCommand);
  if (action === "uninstall") return uninstall(m, runCommand);
  return status(m, runCommand);
}

async function install(m: ServiceManager, flags: StartFlags, run: Runner): Promise<void> {
  let settings: StartConfig;
  try {
    settings = startConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof FlagError) fail(error.message, EXIT_USAGE);
    throw error;
  }
  const entry = currentEntry();
  if (/[\\/]_npx[\\/]/.test(entry.script)) {
    say(
      "note: this tether runs from npx's cache, which npm may clear; install it globally first (npm install -g) so the service keeps working",
    );
  }
  const shell = { ...process.env };
  if (flags.port !== undefined) shell.TETHER_AGENT_PORT = flags.port;
  if (flags.host !== undefined) shell.TETHER_AGENT_HOST = flags.host;
  const { spec, notes } = buildSpec(settings.config, shell, process.cwd(), entry);
  const content = m.render(spec);
  const before = existsSync(m.file) ? readFileSync(m.file, "utf8") : undefined;
  const changed = before !== content;
  if (changed) {
    makeDirs(dirname(m.file), 0o755);
    // No secrets in it (see spec.ts), so the usual mode for such files.
    writeFileSync(m.file, content, { mode: 0o644 });
    say(`${before === undefined ? "wrote" : "updated"} ${m.file}`);
  } else {
    say(`unchanged: ${m.file}`);
  }
  say(`  runs: ${shellLine(spec.node, [spec.script, ...spec.args])}`);
  for (const note of notes) say(`note: ${note}`);
  await steps(m, m.startSteps(changed), run, "to start it");
  for (const hint of m.hints()) say(hint);
}

async function uninstall(m: ServiceManager, run: Runner): Promise<void> {
  if (!existsSync(m.file)) {
    say(`not installed (no ${m.file})`);
    return;
  }
  await steps(m, m.stopSteps(), run, "to stop it");
  rmSync(m.file, { force: true });
  say(`removed ${m.file}`);
  await steps(m, m.afterRemoveSteps(), run, "then");
}

async function status(m: ServiceManager, run: Runner): Promise<void> {
  const installed = existsSync(m.file);
  say(installed ? `installed: ${m.file}` : `not installed (no ${m.file})`);
  if (installed) {
    const reach = await m.available(run);
    say(reach.ok ? `${m.name}: ${await m.state(run)}` : `${m.name}: unknown; ${reach.reason}`);
  }
  const { url, token, trustedCert } = daemonAddress(installed ? readFileSync(m.file, "utf8") : "");
  const probe = await probeTether(url, token, 2000, trustedCert);
  if (probe.kind === "tether") say(`daemon: answering at ${url} (Tether ${probe.version ?? "?"})`);
  else if (probe.kind === "tether-locked") say(`daemon: answering at ${url} (another token)`);
  else if (probe.kind === "other") say(`daemon: something that is not Tether answers at ${url}`);
  else say(`daemon: not answering at ${url} (${probe.reason})`);
}

/** Where the installed service's daemon listens: its file's port and host, else the settings'. */
function daemonAddress(file: string): {
  url: string;
  token: string | undefined;
  trustedCert: string | undefined;
} {
  let port = 8787;
  let host = "127.0.0.1";
  let token: string | undefined;
  let certFile: string | undefined;
  try {
    const config = loadConfig();
    port = config.TETHER_AGENT_PORT;
    host = config.TETHER_AGENT_HOST;
    token = config.TETHER_AGENT_TOKEN ?? readTokenFile(config.TETHER_AGENT_TOKEN_FILE);
    certFile = config.TETHER_TLS_CERT;
  } catch {
    // A bad setting here does not stop a status report; the defaults stand.
  }
  // `Environment="TETHER_AGENT_PORT=9000"` in a unit, `<key>…</key> <string>9000</string>` in a plist.
  const inFile = (key: string) =>
    new RegExp(`${key}(?:=|</key>\\s*<string>)([^"<\\s]+)`).exec(file)?.[1];
  const filePort = Number(inFile("TETHER_AGENT_PORT"));
  if (Number.isInteger(filePort) && filePort > 0) port = filePort;
  host = inFile("TETHER_AGENT_HOST") ?? host;
  certFile = inFile("TETHER_TLS_CERT") ?? certFile;
  const trustedCert = certFile === undefined ? undefined : readIfPossible(certFile);
  return { url: localUrl(host, port, certFile !== undefined), token, trustedCert };
}

function readIfPossible(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Runs `list` when the manager can be reached, else prints them for the user to run. */
async function steps(m: ServiceManager, list: Step[], run: Runner, purpose: string): Promise<void> {
  if (list.length === 0) return;
  const reach = await m.available(run);
  if (!reach.ok) {
    say(`${reach.reason}; ${purpose}, run:`);
    for (const s of list) say(`  ${shellLine(s.command, s.args)}`);
    return;
  }
  for (const s of list) {
    const ran = await run(s.command, s.args);
    const line = shellLine(s.command, s.args);
    if (ran.ok) say(`ran: ${line}`);
    else if (s.optional) continue;
    else fail(`${line} failed: ${ran.output.split("\n")[0] || "no reason given"}`);
  }
}
