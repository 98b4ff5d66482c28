import { ConfigError } from "../../config/load.js";
import { type Daemon, startDaemon } from "../../daemon.js";
import { StartupError } from "../../startup-error.js";
import { EXIT_FAILED, EXIT_USAGE, fail } from "../exit.js";
import { FlagError } from "../flags.js";
import { pairingLink, printPairing } from "../pairing.js";
import { type StartConfig, type StartFlags, startConfig } from "../start-config.js";

export type StartOptions = StartFlags;

/** `tether start`: runs the daemon in the foreground until SIGINT or SIGTERM. */
export async function start(options: StartOptions): Promise<void> {
  let settings: StartConfig;
  try {
    settings = startConfig(options);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof FlagError) fail(error.message, EXIT_USAGE);
    throw error;
  }
  const { config } = settings;

  let daemon: Daemon;
  try {
    daemon = await startDaemon(config);
  } catch (error) {
    // Anything else is a bug, whose stack is worth seeing.
    if (!(error instanceof StartupError)) throw error;
    fail(startupLine(error, settings), error.badSetting ? EXIT_USAGE : EXIT_FAILED);
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Before the daemon announces itself: whoever waits for that line may stop it right away.
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
  say(`Tether ${daemon.url}  (data in ${daemon.dataDir})`);
  for (const notice of daemon.notices) say(`note: ${notice}`);
  if (daemon.loopbackReason) say(`note: ${daemon.loopbackReason}`);
  // A pairing code is a credential too: only a person at a terminal may see it (as the link below).
  const terminal = process.stderr.isTTY
    ? process.stderr
    : process.stdout.isTTY
      ? process.stdout
      : undefined;
  for (const notice of daemon.pairingNotices) {
    if (terminal !== process.stderr) say(`note: ${notice.withoutCode}`);
    terminal?.write(`note: ${notice.text}\n`);
  }
  if (config.TETHER_AGENT_DEV_MODE) {
    say("WARNING: TETHER_AGENT_DEV_MODE=1: authentication is OFF. Any program on this machine");
    say("WARNING: can drive your agents through Tether. Use it for development only.");
  }
  if (daemon.tokenFile) say(`token: in ${daemon.tokenFile} (the CLI and tether-mcp read it)`);
  say(`API docs: ${daemon.url}/api/docs`);
  if (daemon.token !== undefined) {
    // The link holds the token: only a person at a terminal may see it, never a log file
    // (under systemd or Docker, stderr is the log).
    if (terminal) {
      const place = {
        publicUrl: config.TETHER_PUBLIC_URL,
        host: daemon.host,
        port: daemon.port,
        https: daemon.tlsCert !== undefined,
      };
      await printPairing(pairingLink(place, daemon.token), terminal);
    } else {
      say("pairing: run `tether pair` in a terminal to show the link for your phone");
    }
  }
}

/** What went wrong, in one line: the setting named as the user gave it (`--data-dir: …` or
 * `TETHER_AGENT_DATA_DIR: …`), and any line breaks of a message from SQLite or the OS folded. */
function startupLine(error: StartupError, settings: StartConfig): string {
  const line = error.setting
    ? `${settings.nameOf(error.setting)}: ${error.message}`
    : error.message;
  return line.replace(/\s*\n\s*/g, " ");
}
