// The daemon's settings as `tether start` (and `doctor`, `service install`) see them: the config
// layers with the command line's --port, --host and --data-dir on top. Each flag is checked on
// its own first, so its mistake is reported under the flag's name.
import { loadConfig } from "../config/load.js";
import type { Config, ConfigKey } from "../config/schema.js";
import { checkFlag } from "./flags.js";

export interface StartFlags {
  port?: string;
  host?: string;
  dataDir?: string;
}

const FLAGS = [
  ["port", "--port", "TETHER_AGENT_PORT"],
  ["host", "--host", "TETHER_AGENT_HOST"],
  ["dataDir", "--data-dir", "TETHER_AGENT_DATA_DIR"],
] as const satisfies readonly (readonly [keyof StartFlags, string, ConfigKey])[];

export interface StartConfig {
  config: Readonly<Config>;
  /** How the user named a setting: its flag when one was given, else the setting's name. */
  nameOf(key: ConfigKey): string;
}

/** Throws FlagError for a bad flag, ConfigError for a bad setting (both exit 2). */
export function startConfig(flags: StartFlags): StartConfig {
  const env = { ...process.env };
  const given = new Map<ConfigKey, string>();
  for (const [option, flag, key] of FLAGS) {
    const value = flags[option];
    if (value === undefined) continue;
    env[key] = checkFlag(flag, key, value);
    given.set(key, flag);
  }
  const config = loadConfig({ env });
  return { config, nameOf: (key) => given.get(key) ?? key };
}
