// Small helpers for tests that run real agent CLIs: hermetic environments, temp dirs, and a check
// that no agent process outlives its test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AgentSandbox {
  /** Root of everything the test created; its path is unique, so it also tags processes. */
  root: string;
  /** The agent's working directory. */
  workspace: string;
  /** Agent config/state dir (CLAUDE_CONFIG_DIR or CODEX_HOME). */
  home: string;
  /** Private (0700) temp dir for the agent's own scratch files. */
  tmp: string;
  remove(): void;
}

export function agentSandbox(prefix: string): AgentSandbox {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const workspace = join(root, "ws");
  const home = join(root, "home");
  const tmp = join(root, "tmp");
  mkdirSync(workspace);
  mkdirSync(home);
  mkdirSync(tmp, { mode: 0o700 });
  return {
    root,
    workspace,
    home,
    tmp,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** process.env without anything that could point an agent at a real account or the developer's
 * own config: the tests must behave the same on a laptop that is logged in to Claude or Codex. */
export function hermeticEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(ANTHROPIC_|CLAUDE|OPENAI_|CODEX_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A hermetic environment for the real Claude Code CLI against the fake model at `modelUrl`,
 * with its config and scratch dirs in the sandbox (its scratch files, /tmp/claude-<uid>/…, and
 * the peer-messaging socket, /tmp/cc-socks, would otherwise land in shared /tmp and outlive the
 * test); `extra` on top. */
export function claudeEnv(
  box: AgentSandbox,
  modelUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return hermeticEnv({
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: "sk-fake",
    CLAUDE_CONFIG_DIR: box.home,
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_TMPDIR: box.tmp,
    XDG_RUNTIME_DIR: box.tmp,
    ...extra,
  });
}

/** Pids of live processes whose environment mentions `marker` (e.g. a sandbox root). Agent CLIs
 * spawn helpers (shells, sandboxes, MCP servers); looking at the environment finds all of them,
 * whoever their parent is now. Only processes of our own user are readable, which is all we
 * start. */
export function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) {
        found.push(Number(entry));
      }
    } catch {
      // Exited meanwhile, or not ours.
    }
  }
  return found;
}
