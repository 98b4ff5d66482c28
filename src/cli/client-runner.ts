// Runs a client command against the daemon: resolves the URL and token (flags → config → env)
// and prints API errors as one line instead of a stack trace. Loaded only by client commands, so
// `tether start` never parses the client, and `tether status` never parses the daemon.
import { ApiError, TetherClient } from "../client/api.js";
import { clientSettings } from "../client/settings.js";
import * as commands from "./commands/client-commands.js";
import { EXIT_USAGE, fail } from "./exit.js";
import { FlagError, urlProblem } from "./flags.js";

export type ClientCommands = typeof commands;

export interface GlobalOptions {
  url?: string;
  token?: string;
}

function client(opts: GlobalOptions): TetherClient {
  const settings = clientSettings();
  const url = opts.url ?? settings.url;
  // Checked before any request, so a typo reads as a typo, not as a daemon that is down.
  const problem = urlProblem(url);
  if (problem) {
    const name = opts.url !== undefined ? "--url" : "TETHER_API_URL";
    fail(`${name}: ${problem} (got ${JSON.stringify(url)})`, EXIT_USAGE);
  }
  return new TetherClient({
    url,
    token: opts.token ?? settings.tokenFor(url),
    trustedCert: settings.trustedCert,
  });
}

export async function runClientCommand(
  opts: GlobalOptions,
  fn: (cmds: ClientCommands, c: TetherClient) => Promise<void>,
): Promise<void> {
  try {
    await fn(commands, client(opts));
  } catch (error) {
    if (error instanceof FlagError) fail(error.message, EXIT_USAGE);
    if (error instanceof ApiError) fail(error.message);
    throw error;
  }
}
