// The kinds of session: the adapters Tether runs itself, and `external`, a session an outside
// agent drives through the External Agent API. Written down once, as data: the config schema,
// the API's schemas and messages, `tether --help`, the doctor and the README's table all read
// it, and src/adapters/registry.ts keys the loaders by it. Imports nothing, so the web app and
// the CLI's entry can read it without loading more.

export interface AdapterInfo {
  /** The short name people may type instead (`--kind codex`). */
  readonly alias?: string;
  /** The agent it runs, and through what. */
  readonly agent: string;
  /** What the agent logs in with. */
  readonly login: string;
  /** The agent's CLI, whose install and login `tether doctor` checks. */
  readonly cli: "claude" | "codex";
}

/** Every adapter, by the name users configure (TETHER_AGENT_ADAPTER, a session's `kind`). */
export const ADAPTERS = {
  claude_auto: {
    alias: "claude",
    agent: "Claude Code via `@anthropic-ai/claude-agent-sdk`",
    login: "your Claude Code login if there is one, else `ANTHROPIC_API_KEY`",
    cli: "claude",
  },
  claude_subprocess: {
    agent: "Claude Code via `@anthropic-ai/claude-agent-sdk`",
    login: "your Claude Code login only (run `claude` once and log in)",
    cli: "claude",
  },
  claude_api: {
    agent: "Claude Code via `@anthropic-ai/claude-agent-sdk`",
    login: "`ANTHROPIC_API_KEY`",
    cli: "claude",
  },
  codex_sdk_sidecar: {
    alias: "codex",
    agent: "Codex via `codex app-server`",
    login: "your Codex login (`codex login`)",
    cli: "codex",
  },
} as const satisfies Readonly<Record<string, AdapterInfo>>;

export type AdapterName = keyof typeof ADAPTERS;
export type AgentCli = AdapterInfo["cli"];

export const ADAPTER_NAMES = Object.keys(ADAPTERS) as [AdapterName, ...AdapterName[]];

/** The adapter of a session created without a kind, unless TETHER_AGENT_ADAPTER says otherwise. */
export const DEFAULT_ADAPTER = "claude_auto" satisfies AdapterName;

/** The kind of a session an outside agent drives (External Agent API, its WebSocket, MCP). */
export const EXTERNAL_KIND = "external";

/** The kinds of a session someone started by hand in a terminal, seen through Tether's hooks
 * (src/hooks/): Tether does not run it, and reaches it only when a hook calls. */
export const TERMINAL_KINDS = { claude: "claude_terminal", codex: "codex_terminal" } as const;
export type TerminalKind = (typeof TERMINAL_KINDS)[keyof typeof TERMINAL_KINDS];

export function isTerminalKind(kind: string): kind is TerminalKind {
  return kind === TERMINAL_KINDS.claude || kind === TERMINAL_KINDS.codex;
}

export type SessionKind = AdapterName | typeof EXTERNAL_KIND | TerminalKind;

/** The kind someone means by `typed`: an adapter's name or alias, or `external`. */
export function sessionKindNamed(typed: string): SessionKind | undefined {
  if (typed === EXTERNAL_KIND) return EXTERNAL_KIND;
  for (const name of ADAPTER_NAMES) {
    if (typed === name || typed === aliasOf(name)) return name;
  }
  return undefined;
}

export function aliasOf(name: AdapterName): string | undefined {
  const info: AdapterInfo = ADAPTERS[name];
  return info.alias;
}

/** Every kind as people may type it, for help and messages:
 * "claude (claude_auto), claude_subprocess, claude_api, codex (codex_sdk_sidecar), or external". */
export function kindChoices(): string {
  const adapters = ADAPTER_NAMES.map((name) => {
    const alias = aliasOf(name);
    return alias ? `${alias} (${name})` : name;
  });
  return `${adapters.join(", ")}, or ${EXTERNAL_KIND}`;
}
