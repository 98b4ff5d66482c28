// The Claude Code adapters: claude_subprocess (the user's Claude Code login), claude_api
// (ANTHROPIC_API_KEY) and claude_auto (whichever is there), all through the Agent SDK.
import type { Adapter, AdapterStartOptions, AgentHost, AgentRun } from "../types.js";
import { chooseAuth, envFor } from "./auth.js";

export type ClaudeAdapterName = "claude_subprocess" | "claude_api" | "claude_auto";

export function claudeAdapter(name: ClaudeAdapterName): Adapter {
  return {
    name,
    async start(host: AgentHost, options: AdapterStartOptions): Promise<AgentRun> {
      const auth = chooseAuth(name, options.env);
      // The SDK (and the Claude Code CLI it spawns) loads only when a session needs it.
      const { ClaudeRun } = await import("./run.js");
      return new ClaudeRun(host, { ...options, env: envFor(auth, options.env) });
    },
  };
}
