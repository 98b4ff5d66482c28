// The real Codex CLI as a test drives it: `codex app-server` (JSON-RPC over stdio, newline-
// delimited JSON without the "jsonrpc" field; shared/research/agents.md §3.1), spawned in its own
// process group, with a client that records every notification and server request and answers
// the server's requests (approvals) the way the test says.
//
//   const rpc = await startAppServer({ cwd, env, answer: (method) => ({ decision: "accept" }) });
//   const { thread } = await rpc.request<ThreadStartResult>("thread/start", {...});
//   const done = await runTurn(rpc, thread.id, "please make x");
//   await rpc.close();
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { waitFor } from "./wait.js";

/** The native binary from the platform package. Spawning it directly (instead of the
 * node_modules/.bin/codex wrapper) saves a Node process: on Node 20 the wrapper cannot execve and
 * stays around as a parent that only forwards signals. */
export function codexBinary(): string {
  const triples: Record<string, string> = {
    "linux-x64": "x86_64-unknown-linux-musl",
    "linux-arm64": "aarch64-unknown-linux-musl",
    "darwin-x64": "x86_64-apple-darwin",
    "darwin-arm64": "aarch64-apple-darwin",
  };
  const key = `${process.platform}-${process.arch}`;
  const triple = triples[key];
  if (!triple) throw new Error(`no codex binary for ${key}`);
  const pkg = createRequire(import.meta.url).resolve(`@openai/codex-${key}/package.json`);
  return join(pkg, "..", "vendor", triple, "bin", "codex");
}

export interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

/** What the client answers to a request from the server (e.g. an approval's `{decision}`). */
export type ServerRequestHandler = (method: string, params: Record<string, unknown>) => unknown;

export interface ThreadStartResult {
  thread: { id: string; path?: string | null };
}
export interface TurnStartResult {
  turn: { id: string; status: string };
}

export class AppServer {
  readonly notifications: RpcMessage[] = [];
  readonly serverRequests: RpcMessage[] = [];
  stderr = "";
  readonly pid: number | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (message: RpcMessage) => void>();
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    private readonly onServerRequest: ServerRequestHandler,
  ) {
    this.pid = child.pid;
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    createInterface({ input: child.stdout! }).on("line", (line) => this.receive(line));
    this.exit = new Promise((resolve) =>
      child.once("exit", () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  private receive(line: string): void {
    if (!line.trim()) return;
    const message = JSON.parse(line) as RpcMessage;
    if (message.method !== undefined && message.id !== undefined) {
      this.serverRequests.push(message);
      const result = this.onServerRequest(message.method, message.params ?? {});
      this.send({ id: message.id, result });
    } else if (message.method !== undefined) {
      this.notifications.push(message);
    } else if (typeof message.id === "number") {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    }
  }

  private send(message: RpcMessage): void {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  request<T>(method: string, params: Record<string, unknown>, timeoutMs = 15_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out; stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as T);
      });
      this.send({ id, method, params });
    });
  }

  notify(method: string): void {
    this.send({ method });
  }

  waitForNotification(
    method: string,
    matches: (params: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<RpcMessage> {
    return waitFor(
      () => this.notifications.find((n) => n.method === method && matches(n.params ?? {})),
      { timeoutMs, what: () => `${method}; stderr:\n${this.stderr}` },
    );
  }

  /** The server's requests of one method, e.g. item/commandExecution/requestApproval. */
  requestsOf(method: string): RpcMessage[] {
    return this.serverRequests.filter((r) => r.method === method);
  }

  /** Closes stdin, as a client that is done does: the app-server shuts down by itself (and
   * runs its SessionEnd hooks). Falls back to close() when it has not exited in time. */
  async quit(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.child.stdin?.end();
    const timedOut = await Promise.race([
      this.exit.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
    ]);
    if (timedOut) await this.close();
  }

  /** SIGTERM the whole process group (the app-server starts shells, hooks and a sandbox helper),
   * then SIGKILL if it has not exited within 3 s. */
  async close(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    // The app-server also exits by itself when stdin closes; the signal covers its children.
    this.child.stdin?.end();
    signalGroup(pid, "SIGTERM");
    const timedOut = await Promise.race([
      this.exit.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3_000).unref()),
    ]);
    if (timedOut) {
      signalGroup(pid, "SIGKILL");
      await this.exit;
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** A running, initialized `codex app-server` in `cwd` with exactly `env`. */
export async function startAppServer(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  answer: ServerRequestHandler;
}): Promise<AppServer> {
  const child = spawn(codexBinary(), ["app-server"], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
    // Own process group, so close() can signal everything the app-server started.
    detached: true,
  });
  const rpc = new AppServer(child, options.answer);
  try {
    await rpc.request("initialize", {
      clientInfo: { name: "tether_test", title: "Tether tests", version: "0.0.0" },
      capabilities: { experimentalApi: true },
    });
  } catch (error) {
    await rpc.close();
    throw error;
  }
  rpc.notify("initialized");
  return rpc;
}

/** Starts a turn with `text` as the user's message; resolves with the turn's id. */
export async function startTurn(rpc: AppServer, threadId: string, text: string): Promise<string> {
  const { turn } = await rpc.request<TurnStartResult>("turn/start", {
    threadId,
    input: [{ type: "text", text, text_elements: [] }],
  });
  return turn.id;
}

export function turnCompleted(rpc: AppServer, turnId: string, timeoutMs = 15_000) {
  return rpc.waitForNotification(
    "turn/completed",
    (p) => (p.turn as { id?: string } | undefined)?.id === turnId,
    timeoutMs,
  );
}

export async function runTurn(rpc: AppServer, threadId: string, text: string) {
  return turnCompleted(rpc, await startTurn(rpc, threadId, text));
}

/** Everything the agent said, joined. */
export function agentText(rpc: AppServer): string {
  return rpc.notifications
    .filter((n) => n.method === "item/agentMessage/delta")
    .map((n) => String(n.params?.delta ?? ""))
    .join("");
}

/** The completed commandExecution items, in order. */
export function commandItems(rpc: AppServer): Record<string, unknown>[] {
  return rpc.notifications.flatMap((n) => {
    const item = n.params?.item as Record<string, unknown> | undefined;
    return n.method === "item/completed" && item?.type === "commandExecution" ? [item] : [];
  });
}
