// The Claude Code adapters: claude_subprocess (the user's Claude Code login), claude_api
// (ANTHROPIC_API_KEY) and claude_auto (whichever is there), all through the Agent SDK.
import { isMissingPackage } from "../on-path.js";
import {
  type Adapter,
  AdapterError,
  type AdapterStartOptions,
  type AgentHost,
  type AgentRun,
} from "../types.js";
import { chooseAuth, envFor } from "./auth.js";

export type ClaudeAdapterName = "claude_subprocess" | "claude_api" | "claude_auto";

const SDK = "@anthropic-ai/claude-agent-sdk";

/** An optional dependency of Tether: left out by `npm install --omit=optional`. */
export const SDK_MISSING = `Claude sessions need the Claude Agent SDK, which is not installed: run \`npm install -g ${SDK}\` (or reinstall Tether without --omit=optional)`;

export function claudeAdapter(name: ClaudeAdapterName): Adapter {
  return {
    name,
    async start(host: AgentHost, options: AdapterStartOptions): Promise<AgentRun> {
      const auth = chooseAuth(name, options.env);
      // The SDK (and the Claude Code CLI it spawns) loads only when a session needs it.
      const { ClaudeRun } = await import("./run.js").catch((error: unknown) => {
        if (isMissingPackage(error, SDK)) throw new AdapterError(SDK_MISSING, { cause: error });
        throw error;
      });
      return new ClaudeRun(host, { ...options, env: envFor(auth, options.env) });
    },
  };
}
