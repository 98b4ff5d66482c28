// What a user service runs: this Node and this tether, `start` on an absolute data dir, with
// the settings in force now. Settings the daemon reads from the user config file it will read
// again; the ones set only in this shell (environment, ./.env) go into the service file, except
// secrets, which never do: the user hears which ones to move into the config file.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { defaultConfigFile } from "../config/load.js";
import { CONFIG_KEYS, type Config, type ConfigKey, SECRET_KEYS } from "../config/schema.js";

export interface ServiceSpec {
  /** Absolute: the Node running now (process.execPath). */
  node: string;
  /** Absolute: the tether bundle running now. */
  script: string;
  /** Arguments after the script: `start --data-dir <abs>`. */
  args: string[];
  /** Environment for the daemon, in a stable order. */
  env: [string, string][];
  workingDirectory: string;
}

/** Settings that are file paths, made absolute: the service runs from the home directory. */
const PATH_SETTINGS = new Set<string>([
  "TETHER_AGENT_TOKEN_FILE",
  "TETHER_CONFIG",
  "TETHER_TLS_CERT",
  "TETHER_TLS_KEY",
]);

/** Not for the daemon (TETHER_API_URL is the clients'), or passed as a flag. */
const LEFT_OUT = new Set<string>(["TETHER_AGENT_DATA_DIR", "TETHER_API_URL"]);

/** Secrets the agents read from the environment, which a service would not have. */
const AGENT_SECRETS = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "OPENAI_API_KEY"];

export interface BuiltSpec {
  spec: ServiceSpec;
  /** Things the user should know (secrets left out and where to put them). */
  notes: string[];
}

/**
 * `config`: the settings as `start` would load them here (flags included); `shell`: the
 * environment (with the flags' settings) and `cwd` where the user runs the install.
 */
export function buildSpec(
  config: Readonly<Config>,
  shell: Record<string, string | undefined>,
  cwd: string,
  entry: { node: string; script: string },
): BuiltSpec {
  const dotenvFile = join(cwd, ".env");
  const dotenv = existsSync(dotenvFile) ? parseDotenv(readFileSync(dotenvFile)) : {};
  const here = (key: string) => shell[key] || dotenv[key] || undefined;
  const env: [string, string][] = [];
  const notes: string[] = [];
  const configFile = defaultConfigFile(shell);
  // PATH: how the daemon finds `claude` and `codex`; a service manager's own is minimal.
  if (shell.PATH) env.push(["PATH", shell.PATH]);
  if (shell.TETHER_CONFIG) env.push(["TETHER_CONFIG", resolve(cwd, shell.TETHER_CONFIG)]);
  for (const key of CONFIG_KEYS) {
    const value = here(key);
    if (value === undefined || LEFT_OUT.has(key)) continue;
    if (SECRET_KEYS.has(key as ConfigKey)) {
      notes.push(
        `${key} is set in this shell but not written to the service file (it is a secret); put it in ${configFile} (mode 600), which the service reads`,
      );
      continue;
    }
    env.push([key, PATH_SETTINGS.has(key) ? resolve(cwd, value) : value]);
  }
  for (const key of AGENT_SECRETS) {
    if (shell[key]) {
      notes.push(`${key} is set in this shell but not passed to the service (it is a secret)`);
    }
  }
  return {
    spec: {
      node: entry.node,
      script: entry.script,
      args: ["start", "--data-dir", resolve(cwd, config.TETHER_AGENT_DATA_DIR)],
      env,
      workingDirectory: shell.HOME || homedir(),
    },
    notes,
  };
}

/** This process's Node and bundle, as absolute real paths (npm's bin links resolved). */
export function currentEntry(): { node: string; script: string } {
  const script = process.argv[1];
  if (!script) throw new Error("cannot tell which tether is running (no process.argv[1])");
  return { node: process.execPath, script: realpathSync(script) };
}
