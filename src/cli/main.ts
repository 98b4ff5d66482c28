#!/usr/bin/env node
// The CLI's entry. Commands load their code when they run: the daemon and the client are each a
// large module graph, and `tether start` has a 0.3 s budget to healthy (DESIGN.md §9).
import { Command } from "commander";
import type { TetherClient } from "../client/api.js";
import { kindChoices } from "../shared/kinds.js";
import { VERSION } from "../version.js";
import type { ClientCommands, GlobalOptions } from "./client-runner.js";
import type { DoctorOptions } from "./commands/doctor.js";
import type { HooksOptions } from "./commands/hooks.js";
import type { ServiceAction } from "./commands/service.js";
import type { StartOptions } from "./commands/start.js";
import { EXIT_FAILED, EXIT_USAGE } from "./exit.js";

// `tether list | head -3`: once the reader is gone there is no one left to tell, so end quietly
// (0, as `yes | head` does) rather than die with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(stream === process.stdout ? 0 : EXIT_FAILED);
    throw error;
  });
}

const program = new Command()
  // Usage mistakes (unknown command or option, missing argument) are one line and exit 2, like
  // bad settings; help and --version exit 0. Set before the commands, which inherit both.
  .configureOutput({
    outputError: (text, write) =>
      write(
        `tether: ${text
          .replace(/^error: /, "")
          .trimEnd()
          .replace(/\n+/g, " ")}\n`,
      ),
  })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .name("tether")
  .description("Supervise AI coding agents and answer them from anywhere")
  .version(VERSION)
  .option(
    "--url <url>",
    "daemon URL (default: $TETHER_API_URL, else this machine's: http://localhost:8787, https:// with TETHER_TLS_CERT)",
  )
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
const doctor = async (options: DoctorOptions) =>
  (await import("./commands/doctor.js")).doctor(options, program.opts<GlobalOptions>());
const service = (action: ServiceAction) => async (options: StartOptions) =>
  (await import("./commands/service.js")).service(action, options);

/** The flags that `start` takes and that `doctor` and `service install` check or pass on. */
const startFlags = (command: Command) =>
  command
    .option("-p, --port <port>", "port (default: $TETHER_AGENT_PORT or 8787)")
    .option("--host <host>", "interface to listen on (default: $TETHER_AGENT_HOST or 0.0.0.0)")
    .option(
      "--data-dir <dir>",
      "where the database lives (default: $TETHER_AGENT_DATA_DIR or ./data)",
    );

startFlags(
  program.command("start").description("run the daemon in the foreground (Ctrl-C stops it)"),
).action(start);
startFlags(
  program
    .command("doctor")
    .description("check Node, the data dir, the port, the token, agents, push and bridges"),
).action(doctor);
const services = program
  .command("service")
  .description("run the daemon as a user service (systemd on Linux, launchd on macOS)");
startFlags(
  services
    .command("install")
    .description("install and start the service with these settings and data dir"),
).action(service("install"));
services
  .command("uninstall")
  .description("stop the service and remove it")
  .action(service("uninstall"));
services
  .command("status")
  .description("is the service installed, and does its daemon answer")
  .action(service("status"));
program
  .command("hook")
  .description("what Tether's hooks in Claude Code and Codex run (reads the hook's JSON on stdin)")
  .argument("<agent>", "claude or codex")
  .action(async (agent: string) => (await import("./commands/hook.js")).hook(agent));
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
  .option("--kind <kind>", `${kindChoices()} (default: the daemon's TETHER_AGENT_ADAPTER)`)
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

const bridgesCommand = program
  .command("bridges")
  .description("the chat bridges (Telegram): their state and who paired on each")
  .action(run((cmds, c) => cmds.bridges(c)));
bridgesCommand
  .command("pair")
  .description("make a one-time code that a chat user sends as /pair <code> to answer from there")
  .argument("<bridge>", "the bridge's name: telegram")
  .action(run((cmds, c, name: string) => cmds.bridgesPair(c, name)));
bridgesCommand
  .command("revoke")
  .description("stop a paired chat user from answering")
  .argument("<bridge>", "the bridge's name: telegram")
  .argument("<user_id>", "their user id, as `tether bridges` lists it")
  .action(run((cmds, c, name: string, userId: string) => cmds.bridgesRevoke(c, name, userId)));

const hooks = program
  .command("hooks")
  .description("Tether's hooks in Claude Code and Codex: see the sessions you start in a terminal");
const hookTargets = (command: Command) =>
  command
    .option("--claude", "Claude Code (default: every agent whose config dir exists, else Claude)")
    .option("--codex", "Codex")
    .option("--project <dir>", "a project's .claude/settings.json instead of your user settings");
hookTargets(
  hooks.command("install").description("add Tether's hooks (keeps a backup, prints what changed)"),
).action(async (o: HooksOptions) => (await import("./commands/hooks.js")).hooksInstall(o));
hookTargets(
  hooks.command("uninstall").description("take Tether's hooks out again (and only them)"),
).action(async (o: HooksOptions) => (await import("./commands/hooks.js")).hooksUninstall(o));
hooks
  .command("status")
  .description(
    "where Tether's hooks are, whether they are current, and whether they reach the daemon",
  )
  .option("--project <dir>", "also look at this project's .claude/settings.json")
  .action(async (o: HooksOptions) => (await import("./commands/hooks.js")).hooksStatus(o));

await program.parseAsync();
