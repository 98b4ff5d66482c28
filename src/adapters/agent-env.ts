// The environment an agent process gets: an allowlist, not the daemon's own environment. An
// agent runs whatever its model decides (often after one approval), so anything in its
// environment may end up in the event log or at the model provider. The daemon's token and the
// bridges' secrets would let it answer its own approvals or speak for the user elsewhere.

/** Names passed through as they are: the shell basics, locale, temp dirs, proxies and CAs. */
const EXACT: ReadonlySet<string> = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "COLORTERM",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TMP",
  "TEMP",
  "EDITOR",
  "VISUAL",
  "PAGER",
  // git and ssh need the agent socket to reach remotes with the user's keys.
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // Claude Code settings without a CLAUDE_ prefix.
  "DISABLE_AUTOUPDATER",
  "DISABLE_TELEMETRY",
  "DISABLE_ERROR_REPORTING",
  "BASH_DEFAULT_TIMEOUT_MS",
  "BASH_MAX_TIMEOUT_MS",
  "MAX_THINKING_TOKENS",
  "MCP_TIMEOUT",
  "MCP_TOOL_TIMEOUT",
]);

/** Prefixes passed through: locale, XDG base dirs, and the agents' own credentials and settings. */
const PREFIXES = ["LC_", "XDG_", "ANTHROPIC_", "CLAUDE_", "CODEX_", "OPENAI_"] as const;

/** Never passed, whatever the lists above say: Tether's own settings (the token among them)
 * and the chat bridges' secrets. */
const NEVER = /^(TETHER_|TELEGRAM_|SLACK_|DISCORD_)/i;

export function isAgentEnvName(name: string): boolean {
  if (NEVER.test(name)) return false;
  return EXACT.has(name) || PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** `env` narrowed to what an agent may see. */
export function agentEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isAgentEnvName(name)) out[name] = value;
  }
  return out;
}

/** Set in every agent's environment. Not a secret: it marks which of Tether's children are
 * agents, so agent-peers.ts can find their process trees. */
export const AGENT_MARKER = "AGENT_SUPERVISOR";
export const AGENT_MARKER_VALUE = "tether";

/** What an agent process is spawned with: the allowlisted names plus the marker. Every adapter's
 * spawn goes through this, whatever it was handed. */
export function agentProcessEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return { ...agentEnv(env), [AGENT_MARKER]: AGENT_MARKER_VALUE };
}
