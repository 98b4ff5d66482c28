// Flags that stand for a setting (`--port` for TETHER_AGENT_PORT, …) are checked against that
// setting's schema here, so a bad value is reported under the flag the user typed, not under the
// environment variable it is passed on as.
import { type ConfigKey, ConfigSchema } from "../config/schema.js";

export class FlagError extends Error {
  override name = "FlagError";
}

/** `value` of `flag` if the setting `key` accepts it; else a FlagError naming the flag. */
export function checkFlag(flag: string, key: ConfigKey, value: string): string {
  if (value.trim() === "") throw new FlagError(`${flag}: must not be empty`);
  const parsed = ConfigSchema.shape[key].safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "is not valid";
    throw new FlagError(`${flag}: ${message} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A URL the client can call: http(s) with a host. */
export function urlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return "must be a URL such as http://localhost:8787";
  const u = new URL(value);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return "must be an http:// or https:// URL such as http://localhost:8787";
  }
  return undefined;
}

/** A whole number of at least 0, e.g. `--since`. */
export function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new FlagError(
      `${flag}: must be a whole number of 0 or more (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
