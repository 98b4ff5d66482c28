// Which Claude credentials a session will use. claude_subprocess runs on the user's own Claude
// Code login (no API key); claude_api on ANTHROPIC_API_KEY; claude_auto picks whichever exists.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { AdapterError } from "../types.js";

export type ClaudeAuth = "login" | "api_key";

export const NOT_LOGGED_IN =
  "Claude Code is not logged in: run `claude` once and log in (or `claude setup-token`), or set ANTHROPIC_API_KEY";

/** True when the Claude Code CLI has a stored login (or an OAuth token in the environment). */
export function hasClaudeLogin(env: Readonly<Record<string, string>>): boolean {
  if (env.CLAUDE_CODE_OAUTH_TOKEN) return true;
  // macOS keeps the login in the Keychain, which cannot be checked without asking the user.
  if (process.platform === "darwin") return true;
  const configDir = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude");
  return existsSync(join(configDir, ".credentials.json"));
}

export function chooseAuth(
  adapter: "claude_subprocess" | "claude_api" | "claude_auto",
  env: Readonly<Record<string, string>>,
): ClaudeAuth {
  const login = hasClaudeLogin(env);
  const apiKey = Boolean(env.ANTHROPIC_API_KEY);
  if (adapter === "claude_subprocess") {
    if (!login) throw new AdapterError(NOT_LOGGED_IN);
    return "login";
  }
  if (adapter === "claude_api") {
    if (!apiKey) throw new AdapterError("claude_api needs ANTHROPIC_API_KEY in the environment");
    return "api_key";
  }
  if (login) return "login";
  if (apiKey) return "api_key";
  throw new AdapterError(NOT_LOGGED_IN);
}

/** The agent's environment for `auth`: on the login path an API key would win over the login,
 * so it is left out. */
export function envFor(
  auth: ClaudeAuth,
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = { ...env, DISABLE_AUTOUPDATER: "1" };
  if (auth === "login") delete out.ANTHROPIC_API_KEY;
  return out;
}
