#!/usr/bin/env node
import { Command } from "commander";
import { ApiError, TetherClient } from "../client/api.js";
import { ConfigError, loadConfig } from "../config/load.js";
import { VERSION } from "../version.js";
import * as commands from "./commands/client-commands.js";
import { start } from "./commands/start.js";

const program = new Command()
  .name("tether")
  .description("Supervise AI coding agents and answer them from anywhere")
  .version(VERSION)
  .option("--url <url>", "daemon URL (default: $TETHER_API_URL or http://localhost:8787)")
  .option("--token <token>", "auth token (default: $TETHER_AGENT_TOKEN)");

function client(): TetherClient {
  const opts = program.opts<{ url?: string; token?: string }>();
  let url = process.env.TETHER_API_URL;
  let token = process.env.TETHER_AGENT_TOKEN;
  try {
    const config = loadConfig();
    url = config.TETHER_API_URL;
    token = config.TETHER_AGENT_TOKEN;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return new TetherClient({
    url: opts.url ?? url ?? "http://localhost:8787",
    token: opts.token ?? token,
  });
}

/** Runs a client command, printing API errors as one line instead of a stack trace. */
const run =
  <A extends unknown[]>(fn: (c: TetherClient, ...args: A) => Promise<void>) =>
  async (...args: A) => {
    try {
      await fn(client(), ...args);
    } catch (error) {
      if (error instanceof ApiError) {
        process.stderr.write(`tether: ${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
  };

program
  .command("start")
  .description("run the daemon in the foreground (Ctrl-C stops it)")
  .option("-p, --port <port>", "port (default: $TETHER_AGENT_PORT or 8787)")
  .option("--host <host>", "interface to listen on (default: $TETHER_AGENT_HOST or 0.0.0.0)")
  .option(
    "--data-dir <dir>",
    "where the database lives (default: $TETHER_AGENT_DATA_DIR or ./data)",
  )
  .action(start);
program.command("status").description("is the daemon up").action(run(commands.status));
program.command("list").alias("ls").description("list sessions").action(run(commands.list));
program
  .command("new")
  .description("create a session")
  .argument("[prompt]", "first message for the agent")
  .option("--kind <kind>", "adapter, or external", "external")
  .option("--name <name>", "session name")
  .option("--dir <dir>", "working directory (default: here)")
  .action(
    run((c, prompt: string | undefined, o: { kind: string; name?: string; dir?: string }) =>
      commands.newSession(c, prompt, o),
    ),
  );
program
  .command("watch")
  .description("follow a session's output live")
  .argument("<session>", "session id or unique prefix")
  .option("--since <seq>", "replay events after this seq first", "0")
  .action(run((c, id: string, o: { since?: string }) => commands.watch(c, id, o)));
program
  .command("input")
  .description("send a message to a session's agent")
  .argument("<session>", "session id or unique prefix")
  .argument("<text...>", "the message")
  .action(run((c, id: string, words: string[]) => commands.input(c, id, words)));
program
  .command("interrupt")
  .description("stop the agent's current turn")
  .argument("<session>", "session id or unique prefix")
  .action(run((c, id: string) => commands.interrupt(c, id)));
program.command("approvals").description("list pending approvals").action(run(commands.approvals));
program
  .command("approve")
  .description("answer an approval")
  .argument("<approval>", "approval id or unique prefix")
  .argument("[option]", "the option to choose (default: the first)")
  .action(run((c, id: string, option: string | undefined) => commands.approve(c, id, option)));

await program.parseAsync();
