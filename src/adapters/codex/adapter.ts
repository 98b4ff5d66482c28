// The Codex adapter, `codex_sdk_sidecar` (the name is the original product's; there is no sidecar:
// Tether speaks Codex's own app-server protocol, JSON-RPC over stdio, one process per session).
// The user's Codex login is used: the process gets the session's env, CODEX_HOME included.
import { existsSync } from "node:fs";
import { VERSION } from "../../version.js";
import {
  type Adapter,
  AdapterError,
  type AdapterStartOptions,
  type AgentHost,
  type AgentRun,
} from "../types.js";
import { CODEX_MISSING, codexCommand } from "./binary.js";
import { CodexProcess, type Exit } from "./process.js";
import { AccountReadResult, ThreadResult } from "./protocol.js";
import { RpcError } from "./rpc.js";
import { CodexRun, describeExit, messageOf } from "./run.js";

export const CODEX_ADAPTER_NAME = "codex_sdk_sidecar";

export const NOT_LOGGED_IN =
  "Codex is not logged in: run `codex login` (with the same CODEX_HOME as Tether), or configure a model provider with an API key";

/** Start-up requests answer in well under a second; this only catches a hung process. */
const HANDSHAKE_TIMEOUT_MS = 20_000;

/** Codex error texts can be long (an unknown method lists every method): keep messages short. */
const MAX_MESSAGE_CHARS = 300;

/** What the thread runs with: Codex asks before anything that leaves the workspace sandbox. */
const THREAD_SETTINGS = { approvalPolicy: "on-request", sandbox: "workspace-write" } as const;

export interface CodexAdapterOptions {
  /** The Codex executable; default: `codex` on the session's PATH, else the vendored binary. */
  command?: string;
}

export function codexAdapter(adapterOptions: CodexAdapterOptions = {}): Adapter {
  return {
    name: CODEX_ADAPTER_NAME,
    start: async (host, options) => {
      const command = adapterOptions.command ?? codexCommand(options.env.PATH);
      if (command === undefined) throw new AdapterError(CODEX_MISSING);
      return startCodex(host, options, command);
    },
  };
}

async function startCodex(
  host: AgentHost,
  options: AdapterStartOptions,
  command: string,
): Promise<AgentRun> {
  // Otherwise spawn fails with ENOENT, which would read as "Codex is not installed".
  if (!existsSync(options.directory)) {
    throw new AdapterError(`The session directory does not exist: ${options.directory}`);
  }
  const agent = await CodexProcess.spawn(command, { cwd: options.directory, env: options.env });
  const run = new CodexRun(host, agent);
  try {
    const threadId = await handshake(run, options);
    run.markRunning(threadId);
    host.resumeWith(threadId);
    return run;
  } catch (error) {
    // Read before close(), which always ends with an exit.
    const exit = run.exited;
    const stderr = agent.lastStderrLine();
    await run.close();
    const failure = startError(error, { exit, stderr, resume: options.resume });
    // A broken config.toml is often the real cause (Codex then runs on defaults).
    const [warning] = run.configWarnings;
    if (!warning) throw failure;
    throw new AdapterError(`${failure.message} (Codex configuration: ${short(warning)})`, {
      cause: failure.cause,
    });
  }
}

async function handshake(run: CodexRun, options: AdapterStartOptions): Promise<string> {
  const { rpc } = run;
  const timeoutMs = HANDSHAKE_TIMEOUT_MS;
  await rpc.request(
    "initialize",
    {
      clientInfo: { name: "tether", title: "Tether", version: VERSION },
      // Some params we send (excludeTurns) are marked experimental in 0.169.
      capabilities: { experimentalApi: true },
    },
    { timeoutMs },
  );
  rpc.notify("initialized");
  const auth = await rpc.request("account/read", {}, { timeoutMs, parse: AccountReadResult.parse });
  // A provider with its own API key (env_key) needs no OpenAI account; Codex says which.
  if (auth.requiresOpenaiAuth && auth.account === null) throw new AdapterError(NOT_LOGGED_IN);
  const { thread } = options.resume
    ? await rpc.request(
        "thread/resume",
        {
          threadId: options.resume,
          cwd: options.directory,
          ...THREAD_SETTINGS,
          // The history is already in Tether's event log; loading it here would only cost time.
          excludeTurns: true,
        },
        { timeoutMs, parse: ThreadResult.parse },
      )
    : await rpc.request(
        "thread/start",
        { cwd: options.directory, ...THREAD_SETTINGS },
        { timeoutMs, parse: ThreadResult.parse },
      );
  return thread.id;
}

function startError(
  error: unknown,
  { exit, stderr, resume }: { exit: Exit | undefined; stderr: string; resume: string | null },
): AdapterError {
  if (error instanceof AdapterError) return error;
  if (exit && !(error instanceof RpcError)) {
    return new AdapterError(
      short(`Codex exited while starting (${describeExit(exit)})${stderr ? `: ${stderr}` : ""}`),
      { cause: error },
    );
  }
  if (error instanceof RpcError && error.method === "thread/resume") {
    return new AdapterError(short(`Codex could not resume thread ${resume}: ${messageOf(error)}`), {
      cause: error,
    });
  }
  return new AdapterError(
    short(`Codex did not start: ${messageOf(error)}${stderr ? ` (${stderr})` : ""}`),
    { cause: error },
  );
}

function short(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}
