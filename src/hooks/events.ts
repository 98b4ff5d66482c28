// The hooks Tether installs in Claude Code and Codex, as data: which events, how long each may
// take, and the command that forwards them (`tether hook <agent>`, which reads the daemon's URL
// and token from Tether's own settings, so no token is ever on a command line). The installer
// (tether hooks install) and the daemon's hook route both read this.

export type HookAgent = "claude" | "codex";

export interface HookSpec {
  event: string;
  /** Tool events take a matcher ("*": every tool). */
  matcher?: string;
  /** Seconds the agent waits for the hook before it goes on without it. */
  timeoutS: number;
}

/** How long a remote answer to a permission prompt may take. Claude shows its own dialog at the
 * same time (the first answer wins), so it may wait long; Codex asks its hook first and shows its
 * prompt only after it, so its wait is bounded and the local user is never locked out. */
export const PERMISSION_WAIT_S: Record<HookAgent, number> = { claude: 590, codex: 90 };

/** How long a Stop hook holds the end of a turn open for a reply from the phone. */
export const STOP_WAIT_S = 540;

const QUICK_S = 10;

export const HOOKS: Record<HookAgent, readonly HookSpec[]> = {
  claude: [
    { event: "PermissionRequest", matcher: "*", timeoutS: PERMISSION_WAIT_S.claude + 10 },
    { event: "PostToolUse", matcher: "*", timeoutS: QUICK_S },
    { event: "PostToolUseFailure", matcher: "*", timeoutS: QUICK_S },
    { event: "PermissionDenied", matcher: "*", timeoutS: QUICK_S },
    { event: "UserPromptSubmit", timeoutS: QUICK_S },
    { event: "Notification", timeoutS: QUICK_S },
    { event: "Stop", timeoutS: STOP_WAIT_S + 10 },
    { event: "SessionStart", timeoutS: QUICK_S },
    { event: "SessionEnd", timeoutS: QUICK_S },
  ],
  codex: [
    { event: "PermissionRequest", matcher: "*", timeoutS: PERMISSION_WAIT_S.codex + 10 },
    { event: "PostToolUse", matcher: "*", timeoutS: QUICK_S },
    { event: "UserPromptSubmit", timeoutS: QUICK_S },
    { event: "Stop", timeoutS: STOP_WAIT_S + 10 },
    { event: "SessionStart", timeoutS: QUICK_S },
    // Codex gives a SessionEnd hook 3 s at most, and warns about a longer timeout at every start.
    { event: "SessionEnd", timeoutS: 3 },
  ],
};

/** The command a hook runs: this Node and this CLI, by absolute path, quoted for sh. */
export function hookCommand(agent: HookAgent, node: string, cli: string): string {
  return `${shellQuote(node)} ${shellQuote(cli)} hook ${agent}`;
}

/** Whether a hook command is one of Tether's (any version, any install path). */
export function isTetherHookCommand(command: string, agent: HookAgent): boolean {
  return new RegExp(`tether[^\\s'"]*['"]? hook ${agent}$`).test(command.trim());
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
