// The agent environment is an allowlist: the shell basics and the agents' own settings pass,
// Tether's settings and the bridges' secrets never do, even when a prefix would let them.
import { describe, expect, it } from "vitest";
import { agentEnv, agentProcessEnv } from "../../dist/adapters/agent-env.js";

describe("agentEnv", () => {
  it("keeps the basics, locale, XDG dirs, proxies and the agents' own credentials", () => {
    const env = {
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      XDG_CONFIG_HOME: "/home/u/.config",
      HTTPS_PROXY: "http://proxy:3128",
      ANTHROPIC_API_KEY: "sk-a",
      CLAUDE_CODE_OAUTH_TOKEN: "oauth",
      CODEX_HOME: "/home/u/.codex",
      OPENAI_API_KEY: "sk-o",
    };
    expect(agentEnv(env)).toEqual(env);
  });

  it("drops TETHER_*, bridge secrets and anything not on the list", () => {
    const out = agentEnv({
      PATH: "/usr/bin",
      TETHER_AGENT_TOKEN: "t",
      TETHER_NTFY_TOKEN: "n",
      tether_agent_token: "lower",
      TELEGRAM_BOT_TOKEN: "tg",
      SLACK_BOT_TOKEN: "sl",
      DISCORD_BOT_TOKEN: "dc",
      AWS_SECRET_ACCESS_KEY: "aws",
      DATABASE_URL: "postgres://",
      UNDEFINED: undefined,
    });
    expect(out).toEqual({ PATH: "/usr/bin" });
  });

  it("marks the process env, so the agent's tree can be told apart", () => {
    expect(agentProcessEnv({ PATH: "/bin", TETHER_X: "1" })).toEqual({
      PATH: "/bin",
      AGENT_SUPERVISOR: "tether",
    });
  });
});
