import { ConfigError, loadConfig } from "../../config/load.js";
import { type Daemon, StartupError, startDaemon } from "../../daemon.js";
import { DataDirBusyError } from "../../db/data-dir-lock.js";
import { pairingUrl, printPairing, reachableHost } from "../pairing.js";

export interface StartOptions {
  port?: string;
  host?: string;
  dataDir?: string;
}

/** `tether start`: runs the daemon in the foreground until SIGINT or SIGTERM. */
export async function start(options: StartOptions): Promise<void> {
  const env = { ...process.env };
  if (options.port !== undefined) env.TETHER_AGENT_PORT = options.port;
  if (options.host !== undefined) env.TETHER_AGENT_HOST = options.host;
  if (options.dataDir !== undefined) env.TETHER_AGENT_DATA_DIR = options.dataDir;

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tether: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let daemon: Daemon;
  try {
    daemon = await startDaemon(config);
  } catch (error) {
    if (error instanceof StartupError || error instanceof DataDirBusyError) {
      process.stderr.write(`tether: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`Tether ${daemon.url}  (data in ${daemon.dataDir})`);
  if (daemon.loopbackReason) say(`note: ${daemon.loopbackReason}`);
  if (config.TETHER_AGENT_DEV_MODE) say("warning: TETHER_AGENT_DEV_MODE=1, authentication is off");
  say(`API docs: ${daemon.url}/api/docs`);
  const token = config.TETHER_AGENT_DEV_MODE ? undefined : config.TETHER_AGENT_TOKEN;
  if (token !== undefined) {
    await printPairing(pairingUrl(reachableHost(daemon.host), daemon.port, token), process.stderr);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    daemon.close().then(
      () => process.exit(0),
      (error: unknown) => {
        say(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
