// Where each agent keeps the hooks Tether installs: Claude Code in its user settings
// ($CLAUDE_CONFIG_DIR/settings.json, default ~/.claude) or a project's .claude/settings.json;
// Codex in $CODEX_HOME/hooks.json (default ~/.codex).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { HookAgent } from "../events.js";

type Env = Readonly<Record<string, string | undefined>>;

export const AGENT_NAMES: Record<HookAgent, string> = { claude: "Claude Code", codex: "Codex" };

export interface HookTarget {
  agent: HookAgent;
  scope: "user" | "project";
  /** The settings file the hooks go in. */
  file: string;
}

export function claudeConfigDir(env: Env): string {
  return env.CLAUDE_CONFIG_DIR ? resolve(env.CLAUDE_CONFIG_DIR) : join(home(env), ".claude");
}

export function codexHome(env: Env): string {
  return env.CODEX_HOME ? resolve(env.CODEX_HOME) : join(home(env), ".codex");
}

export function userTarget(agent: HookAgent, env: Env): HookTarget {
  const file =
    agent === "claude"
      ? join(claudeConfigDir(env), "settings.json")
      : join(codexHome(env), "hooks.json");
  return { agent, scope: "user", file };
}

export function projectTarget(dir: string): HookTarget {
  return { agent: "claude", scope: "project", file: join(dir, ".claude", "settings.json") };
}

/** With no --claude/--codex: every agent whose config dir is there, else Claude Code. */
export function defaultAgents(env: Env): HookAgent[] {
  const found: HookAgent[] = [];
  if (existsSync(claudeConfigDir(env))) found.push("claude");
  if (existsSync(codexHome(env))) found.push("codex");
  return found.length > 0 ? found : ["claude"];
}

function home(env: Env): string {
  return env.HOME || homedir();
}
