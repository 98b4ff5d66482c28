// The adapters Tether can run, by the names users configure (TETHER_AGENT_ADAPTER, a session's
// `kind`). Each loads its agent SDK only when a session first needs it, so start-up stays fast.
import type { Adapter } from "./types.js";

export type AdapterLoader = () => Promise<Adapter>;

export const ADAPTERS: Readonly<Record<string, AdapterLoader>> = {
  claude_auto: async () => (await import("./claude/adapter.js")).claudeAdapter("claude_auto"),
  claude_subprocess: async () =>
    (await import("./claude/adapter.js")).claudeAdapter("claude_subprocess"),
  claude_api: async () => (await import("./claude/adapter.js")).claudeAdapter("claude_api"),
  codex_sdk_sidecar: async () => (await import("./codex/adapter.js")).codexAdapter(),
};

/** Short names people type: `claude` and `codex`. */
export const KIND_ALIASES: Readonly<Record<string, string>> = {
  claude: "claude_auto",
  codex: "codex_sdk_sidecar",
};
