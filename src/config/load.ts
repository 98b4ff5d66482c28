// Layered configuration: defaults → user config file → .env → environment, validated once.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { CONFIG_KEYS, type Config, ConfigSchema, SECRET_KEYS } from "./schema.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ConfigSources {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Path of the user config file; default $TETHER_CONFIG or ~/.config/tether/config.json. */
  configFile?: string;
}

export function defaultConfigFile(env: Record<string, string | undefined>): string {
  if (env.TETHER_CONFIG) return env.TETHER_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "tether", "config.json");
}

export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const file = sources.configFile ?? defaultConfigFile(env);
  const layers = [readConfigFile(file), readDotenv(join(cwd, ".env")), env];
  const merged: Record<string, string> = {};
  for (const layer of layers) {
    for (const key of CONFIG_KEYS) {
      const value = layer[key];
      if (value !== undefined && value !== "") merged[key] = String(value);
    }
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "configuration");
    const shown =
      SECRET_KEYS.has(key as keyof Config) || merged[key] === undefined
        ? ""
        : ` (got ${JSON.stringify(merged[key])})`;
    throw new ConfigError(`${key}: ${issue.message}${shown}`);
  }
  return Object.freeze({
    ...parsed.data,
    TETHER_AGENT_TOKEN_FILE: parsed.data.TETHER_AGENT_TOKEN_FILE ?? defaultTokenFile(file),
  });
}

/** The generated token lives beside the user's config file (`~/.config/tether/token`): one
 * place per user that the daemon, the CLI and tether-mcp all find from any directory. */
export function defaultTokenFile(configFile: string): string {
  return join(dirname(configFile), "token");
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // V8's JSON message can quote the file (secrets, line breaks): say only where it broke.
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message)?.[1];
    const why =
      error instanceof SyntaxError
        ? `not valid JSON${at ? ` (at character ${at})` : ""}`
        : `cannot be read (${message})`;
    throw new ConfigError(`config file ${path}: ${why}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: must be a JSON object of TETHER_* settings`);
  }
  return parsed as Record<string, unknown>;
}

function readDotenv(path: string): Record<string, string> {
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

/** The config with secrets masked, fit for printing and logging. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = SECRET_KEYS.has(key as keyof Config) && value !== undefined ? "***" : value;
  }
  return out;
}
