// `tether hooks install | uninstall | status`: Tether's hooks in Claude Code's settings and
// Codex's hooks.json, so the sessions people start in their own terminal reach Tether. Each hook
// runs `tether hook <agent>` with this Node and this CLI; that command reads the daemon's URL and
// token from Tether's settings, so no token is ever written into an agent's config.
import { existsSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ApiError, TetherClient } from "../../client/api.js";
import { clientSettings } from "../../client/settings.js";
import { HOOKS, type HookAgent, hookCommand } from "../../hooks/events.js";
import {
  type CodexHook,
  forgetTrust,
  listTetherHooks,
  TRUST_BY_HAND,
  trustTetherHooks,
} from "../../hooks/install/codex-trust.js";
import { type HookChange, tetherCommands } from "../../hooks/install/hook-groups.js";
import { SettingsFileError } from "../../hooks/install/json-file.js";
import {
  installHooks,
  readHooksFile,
  uninstallHooks,
} from "../../hooks/install/settings-install.js";
import {
  AGENT_NAMES,
  codexHome,
  defaultAgents,
  type HookTarget,
  projectTarget,
  userTarget,
} from "../../hooks/install/targets.js";
import { EXIT_FAILED, EXIT_USAGE, fail } from "../exit.js";

export interface HooksOptions {
  claude?: boolean;
  codex?: boolean;
  project?: string;
}

/** A daemon that does not answer this fast is as good as down for a hook. */
const HEALTH_TIMEOUT_MS = 3000;

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The command our hooks run: this Node, and this CLI file (not a symlink to it). */
function ourCommand(agent: HookAgent): string {
  const cli = process.argv[1] ? realpathSync(process.argv[1]) : "tether";
  return hookCommand(agent, process.execPath, cli);
}

export async function hooksInstall(options: HooksOptions): Promise<void> {
  const targets = chooseTargets(options);
  // Every file is read and checked before any is written: one bad file changes nothing.
  guarded(() => {
    for (const t of targets) readHooksFile(t.file, t.agent);
  });
  for (const t of targets) {
    const result = guarded(() =>
      installHooks(t.file, t.agent, HOOKS[t.agent], ourCommand(t.agent)),
    );
    out(`${heading(t)}: ${result.file}`);
    if (result.changes.length === 0) out("  already installed and current: nothing changed");
    for (const line of changeLines(result.changes)) out(`  ${line}`);
    if (result.changes.length > 0) {
      out(
        result.backup
          ? `  the file as it was before: ${result.backup} (uninstall puts it back)`
          : "  there was no file before: uninstall deletes it again",
      );
    }
    if (t.agent === "codex") await reportTrust(result.file);
  }
  await reportDaemon();
}

export async function hooksUninstall(options: HooksOptions): Promise<void> {
  const targets = chooseTargets(options);
  const files = guarded(() => targets.map((t) => ({ t, ...readHooksFile(t.file, t.agent) })));
  for (const { t, root, exists } of files) {
    const installed = tetherCommands(root, t.agent).size > 0;
    // Codex's trust entries are keyed by the hooks' positions: list them while they are there.
    const trust = t.agent === "codex" && installed ? await listTetherHooks(t.file) : undefined;
    const result = guarded(() => uninstallHooks(t.file, t.agent));
    out(`${heading(t)}: ${result.file}`);
    if (result.outcome === "none") {
      out(exists ? "  no Tether hooks in it: nothing changed" : "  no such file: nothing changed");
      continue;
    }
    for (const line of changeLines(result.changes)) out(`  ${line}`);
    if (result.outcome === "restored")
      out("  put back the file as it was before install, byte for byte");
    if (result.outcome === "deleted") out("  deleted it: there was no file before install");
    if (result.outcome === "edited") {
      out("  it changed since install: only Tether's hooks were taken out, your edits are kept");
      if (result.backupKept)
        out(`  the file as it was before install is still at ${result.backupKept}`);
    }
    if (trust) await reportForgetTrust(t.file, trust);
  }
}

export async function hooksStatus(options: HooksOptions): Promise<void> {
  const targets: HookTarget[] = [userTarget("claude", process.env)];
  const project = options.project ? projectDir(options.project) : undefined;
  const here = projectTarget(project ?? process.cwd());
  if (project || hasTetherHooks(here)) targets.push(here);
  targets.push(userTarget("codex", process.env));
  for (const t of targets) {
    let state: ReturnType<typeof readHooksFile>;
    try {
      state = readHooksFile(t.file, t.agent);
    } catch (error) {
      out(`${heading(t)}: ${t.file}`);
      out(`  cannot tell: ${(error as Error).message}`);
      continue;
    }
    out(`${heading(t)}: ${state.file}`);
    const found = tetherCommands(state.root, t.agent);
    if (found.size === 0) {
      out(
        `  not installed${state.exists ? "" : " (no such file)"}: \`${installHint(t)}\` adds them`,
      );
      continue;
    }
    for (const line of installedLines(t, found)) out(`  ${line}`);
    if (t.agent === "codex") await reportTrustState(state.file);
  }
  await reportDaemon();
}

function installedLines(t: HookTarget, found: Map<string, string[]>): string[] {
  const wanted = HOOKS[t.agent].map((s) => s.event);
  const ours = ourCommand(t.agent);
  const have = wanted.filter((e) => found.has(e));
  const missing = wanted.filter((e) => !found.has(e));
  const extra = [...found.keys()].filter((e) => !wanted.includes(e));
  const others = [...new Set([...found.values()].flat().filter((c) => c !== ours))];
  const lines = [
    `installed for ${have.length} of ${wanted.length} events: ${have.join(", ") || "none"}`,
  ];
  if (missing.length > 0) lines.push(`missing: ${missing.join(", ")}`);
  if (extra.length > 0) lines.push(`from an older Tether: ${extra.join(", ")}`);
  if (others.length > 0) {
    lines.push(`not this CLI's command: ${others.join("; ")}`);
  }
  lines.push(
    missing.length === 0 && extra.length === 0 && others.length === 0
      ? `current: they run ${ours}`
      : `out of date: \`${installHint(t)}\` makes them run ${ours}`,
  );
  return lines;
}

function installHint(t: HookTarget): string {
  return t.scope === "project"
    ? `tether hooks install --claude --project ${t.file.replace(/[/\\]\.claude[/\\]settings\.json$/, "")}`
    : `tether hooks install --${t.agent}`;
}

async function reportTrust(hooksFile: string): Promise<void> {
  const outcome = await trustTetherHooks(hooksFile);
  if (outcome.ok) {
    out(
      outcome.trusted > 0
        ? `  trusted ${outcome.trusted} hooks in Codex (as /hooks does; recorded in ${join(codexHome(process.env), "config.toml")})`
        : "  trusted in Codex already",
    );
  } else {
    out(`  not trusted in Codex yet (${outcome.reason}); Codex runs hooks only once trusted.`);
    out(`  One step left: ${TRUST_BY_HAND}.`);
  }
}

async function reportTrustState(hooksFile: string): Promise<void> {
  const listed = await listTetherHooks(hooksFile);
  if (!listed.ok) {
    out(`  trusted in Codex: cannot tell (${listed.reason})`);
    return;
  }
  const untrusted = listed.hooks.filter((h) => h.trustStatus !== "trusted");
  out(
    untrusted.length === 0
      ? "  trusted in Codex: yes"
      : `  trusted in Codex: ${untrusted.length} of ${listed.hooks.length} not (${[...new Set(untrusted.map((h) => h.trustStatus))].join(", ")}): \`tether hooks install --codex\` trusts them, or ${TRUST_BY_HAND}`,
  );
}

async function reportForgetTrust(
  hooksFile: string,
  listed: Awaited<ReturnType<typeof listTetherHooks>>,
): Promise<void> {
  const hooks: CodexHook[] = listed.ok ? listed.hooks : [];
  const forgot = listed.ok ? await forgetTrust(hooksFile, hooks) : listed;
  if (forgot.ok) {
    if (forgot.trusted > 0) out(`  removed Codex's trust entries for them (${forgot.trusted})`);
  } else {
    out(
      `  Codex's trust entries for them may stay in config.toml (${forgot.reason}); they trust nothing else`,
    );
  }
}

/** Whether the daemon answers where the hooks will look for it (Tether's client settings). */
async function reportDaemon(): Promise<void> {
  const settings = clientSettings();
  const client = new TetherClient({
    url: settings.url,
    token: settings.token,
    trustedCert: settings.trustedCert,
  });
  try {
    const h = await client.request<{ version: string }>(
      "GET",
      "/api/health",
      undefined,
      AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    );
    out(`Daemon: Tether ${h.version} answers at ${client.url}: the hooks reach it`);
  } catch (error) {
    if (error instanceof ApiError && error.status > 0) {
      out(`Daemon: answers at ${client.url} but refuses the hooks (${error.message})`);
      out(
        "  until that is fixed, the hooks answer {} at once and the agents work as without Tether",
      );
      return;
    }
    const why =
      error instanceof Error && error.name === "TimeoutError"
        ? `no answer from ${client.url} within ${HEALTH_TIMEOUT_MS / 1000} s`
        : error instanceof Error
          ? error.message
          : String(error);
    out(`Daemon: not reachable from here (${why})`);
    out("  until it is, the hooks answer {} at once and the agents work as without Tether");
  }
}

function changeLines(changes: readonly HookChange[]): string[] {
  const lines: string[] = [];
  for (const kind of ["added", "updated", "removed"] as const) {
    const events = changes.filter((c) => c.change === kind).map((c) => c.event);
    if (events.length > 0) lines.push(`${kind}: ${events.join(", ")}`);
  }
  return lines;
}

function heading(t: HookTarget): string {
  return `${AGENT_NAMES[t.agent]}, ${t.scope === "project" ? "project settings" : t.agent === "claude" ? "user settings" : "user hooks"}`;
}

function chooseTargets(options: HooksOptions): HookTarget[] {
  if (options.project !== undefined) {
    if (options.codex) {
      fail(
        "--project is for Claude Code only: Codex runs a project's hooks only in a project it trusts; install them for your user instead (tether hooks install --codex)",
        EXIT_USAGE,
      );
    }
    return [projectTarget(projectDir(options.project))];
  }
  const agents: HookAgent[] = [];
  if (options.claude) agents.push("claude");
  if (options.codex) agents.push("codex");
  return (agents.length > 0 ? agents : defaultAgents(process.env)).map((a) =>
    userTarget(a, process.env),
  );
}

function projectDir(dir: string): string {
  if (dir.trim() === "") fail("--project: must not be empty", EXIT_USAGE);
  const full = resolve(dir);
  if (!existsSync(full) || !statSync(full).isDirectory()) {
    fail(`--project: no such directory: ${full}`, EXIT_USAGE);
  }
  return full;
}

function hasTetherHooks(t: HookTarget): boolean {
  try {
    return tetherCommands(readHooksFile(t.file, t.agent).root, t.agent).size > 0;
  } catch {
    return false;
  }
}

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SettingsFileError) fail(error.message, EXIT_FAILED);
    throw error;
  }
}
