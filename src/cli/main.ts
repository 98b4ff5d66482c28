#!/usr/bin/env node
// The CLI's entry. Commands load their code when they run: the daemon and the client are each a
// large module graph, and `tether start` has a 0.3 s budget to healthy (DESIGN.md §9).
import { Command } from "commander";
import type { TetherClient } from "../client/api.js";
import { VERSION } from "../version.js";
import type { ClientCommands, GlobalOptions } from "./client-runner.js";
import type { StartOptions } from "./commands/start.js";

const program = new Command()
  .name("tether")
  .description("Supervise AI coding agents and answer them from anywhere")
  .version(VERSION)
  .option("--url <url>", "daemon URL (default: $TETHER_API_URL or http://localhost:8787)")
  .option(
    "--token <token>",
    "auth token (default: $TETHER_AGENT_TOKEN, else the token file the local daemon made)",
  );

/** Wraps a client command: loads the client, connects it, and runs `fn` with the commands. */
const run =
  <A extends unknown[]>(fn: (cmds: ClientCommands, c: TetherClient, ...args: A) => Promise<void>) =>
  async (...args: A) => {
    const { runClientCommand } = await import("./client-runner.js");
    await runClientCommand(program.opts<GlobalOptions>(), (cmds, c) => fn(cmds, c, ...args));
  };

const start = async (options: StartOptions) => (await import("./commands/start.js")).start(options);
const pair = async () => (await import("./commands/pair.js")).pair();

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
program
  .command("pair")
  .description("show the link (and QR code) that pairs a phone with this machine's Tether")
  .action(pair);
program
  .command("status")
  .description("is the daemon up")
  .action(run((cmds, c) => cmds.status(c)));
program
  .command("list")
  .alias("ls")
  .description("list sessions")
  .action(run((cmds, c) => cmds.list(c)));
program
  .command("new")
  .description("create a session")
  .argument("[prompt]", "first message for the agent")
  .option(
    "--kind <kind>",
    "claude, codex, an adapter name, or external (default: the daemon's TETHER_AGENT_ADAPTER)",
  )
  .option("--name <name>", "session name")
  .option("--dir <dir>", "working directory (default: here)")
  .action(
    run((cmds, c, prompt: string | undefined, o: { kind?: string; name?: string; dir?: string }) =>
      cmds.newSession(c, prompt, o),
    ),
  );
program
  .command("watch")
  .description("follow a session's output live")
  .argument("<session>", "session id or unique prefix")
  .option("--since <seq>", "replay events after this seq first", "0")
  .action(run((cmds, c, id: string, o: { since?: string }) => cmds.watch(c, id, o)));
program
  .command("input")
  .description("send a message to a session's agent")
  .argument("<session>", "session id or unique prefix")
  .argument("<text...>", "the message")
  .action(run((cmds, c, id: string, words: string[]) => cmds.input(c, id, words)));
program
  .command("interrupt")
  .description("stop the agent's current turn")
  .argument("<session>", "session id or unique prefix")
  .action(run((cmds, c, id: string) => cmds.interrupt(c, id)));
program
  .command("approvals")
  .description("list pending approvals")
  .action(run((cmds, c) => cmds.approvals(c)));
program
  .command("approve")
  .description("answer an approval")
  .argument("<approval>", "approval id or unique prefix")
  .argument("[option]", "the option to choose (default: the first)")
  .action(run((cmds, c, id: string, option: string | undefined) => cmds.approve(c, id, option)));

await program.parseAsync();
