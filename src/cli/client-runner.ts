// Runs a client command against the daemon: resolves the URL and token (flags → config → env)
// and prints API errors as one line instead of a stack trace. Loaded only by client commands, so
// `tether start` never parses the client, and `tether status` never parses the daemon.
import { ApiError, TetherClient } from "../client/api.js";
import { clientSettings } from "../client/settings.js";
import * as commands from "./commands/client-commands.js";

export type ClientCommands = typeof commands;

export interface GlobalOptions {
  url?: string;
  token?: string;
}

function client(opts: GlobalOptions): TetherClient {
  const settings = clientSettings();
  const url = opts.url ?? settings.url;
  return new TetherClient({ url, token: opts.token ?? settings.tokenFor(url) });
}

export async function runClientCommand(
  opts: GlobalOptions,
  fn: (cmds: ClientCommands, c: TetherClient) => Promise<void>,
): Promise<void> {
  try {
    await fn(commands, client(opts));
  } catch (error) {
    if (error instanceof ApiError) {
      process.stderr.write(`tether: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
