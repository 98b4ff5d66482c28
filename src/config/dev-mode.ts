// Dev mode (TETHER_AGENT_DEV_MODE=1) serves without authentication, so it is for this machine
// only: it listens on loopback, and a setting that says otherwise is refused, not ignored.
import { ConfigError } from "./load.js";
import { isLoopbackHost } from "./loopback.js";
import type { Config } from "./schema.js";

export interface ListenPlan {
  host: string;
  /** Why the host differs from TETHER_AGENT_HOST, when it does. */
  note: string | undefined;
}

/** Where the daemon listens; throws a ConfigError when dev mode is set beside a remote host or
 * a token. */
export function listenPlan(config: Config): ListenPlan {
  const host = config.TETHER_AGENT_HOST;
  if (!config.TETHER_AGENT_DEV_MODE) return { host, note: undefined };
  if (config.TETHER_AGENT_TOKEN !== undefined) {
    throw new ConfigError(
      "TETHER_AGENT_DEV_MODE=1 turns authentication off, so it cannot be combined with TETHER_AGENT_TOKEN; unset one of them",
    );
  }
  if (host === "0.0.0.0" || host === "::") {
    return { host: "127.0.0.1", note: "dev mode listens on 127.0.0.1 only" };
  }
  if (!isLoopbackHost(host)) {
    throw new ConfigError(
      `TETHER_AGENT_DEV_MODE=1 serves without authentication, so it listens on loopback only; TETHER_AGENT_HOST=${host} is not a loopback address (use 127.0.0.1, or turn dev mode off)`,
    );
  }
  return { host, note: undefined };
}
