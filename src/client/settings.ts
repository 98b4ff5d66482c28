// Where a client of the daemon (the CLI, tether-mcp) finds it and which token it sends: the
// config layers (file → .env → environment), or the environment alone when some unrelated
// setting is invalid — a bad TELEGRAM_* value must not stop `tether status`.
import { ConfigError, loadConfig } from "../config/load.js";

export interface ClientSettings {
  url: string;
  token: string | undefined;
  /** Why the config was ignored, when it was. */
  configProblem: string | undefined;
}

export function clientSettings(): ClientSettings {
  let url = process.env.TETHER_API_URL;
  let token = process.env.TETHER_AGENT_TOKEN;
  let configProblem: string | undefined;
  try {
    const config = loadConfig();
    url = config.TETHER_API_URL;
    token = config.TETHER_AGENT_TOKEN;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configProblem = error.message;
  }
  return { url: url || "http://localhost:8787", token: token || undefined, configProblem };
}
