// How each adapter loads, keyed by the names in src/shared/kinds.ts: an adapter listed there
// without a loader here (or a loader without an entry there) does not compile. Each loads its
// agent SDK only when a session first needs it, so start-up stays fast.
import type { AdapterName } from "../shared/kinds.js";
import type { Adapter } from "./types.js";

export type AdapterLoader = () => Promise<Adapter>;

export const ADAPTER_LOADERS = {
  claude_auto: async () => (await import("./claude/adapter.js")).claudeAdapter("claude_auto"),
  claude_subprocess: async () =>
    (await import("./claude/adapter.js")).claudeAdapter("claude_subprocess"),
  claude_api: async () => (await import("./claude/adapter.js")).claudeAdapter("claude_api"),
  codex_sdk_sidecar: async () => (await import("./codex/adapter.js")).codexAdapter(),
} as const satisfies Readonly<Record<AdapterName, AdapterLoader>>;
