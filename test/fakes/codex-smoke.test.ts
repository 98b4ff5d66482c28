// Proves the real Codex CLI (`codex app-server`, JSON-RPC over stdio) runs turns against the fake
// OpenAI Responses server: a text turn, and an escalated command that is approved or declined.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";
import {
  addFilePatch,
  codexConfigToml,
  execCommand,
  type FakeOpenAI,
  slowText,
  startFakeOpenAI,
} from "./openai.js";
import { type AgentSandbox, agentSandbox, hermeticEnv, processesMentioning } from "./support.js";

/** The native binary from the platform package. Spawning it directly (instead of the
 * node_modules/.bin/codex wrapper) saves a Node process: on Node 20 the wrapper cannot execve and
 * stays around as a parent that only forwards signals. */
function codexBinary(): string {
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

// ---- a minimal JSON-RPC client (newline-delimited JSON, no "jsonrpc" field; agents.md §3.1) ----

interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

type ServerRequestHandler = (method: string, params: Record<string, unknown>) => unknown;

class AppServer {
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

  /** SIGTERM the whole process group (the app-server starts shells and a sandbox helper), then
   * SIGKILL if it has not exited within 3 s. */
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

// ---- the tests --------------------------------------------------------------------------------

let fake: FakeOpenAI;
let box: AgentSandbox;
let server: AppServer | undefined;
/** What the test answers to item/commandExecution/requestApproval. */
let decision: "accept" | "decline" = "accept";

beforeEach(async () => {
  fake = await startFakeOpenAI();
  box = agentSandbox("tether-codex-");
  writeFileSync(join(box.home, "config.toml"), codexConfigToml(fake.url));
  decision = "accept";
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 5_000,
    what: "codex processes to exit",
  });
  await fake.close();
  box.remove();
});

interface ThreadStartResult {
  thread: { id: string };
}
interface TurnStartResult {
  turn: { id: string; status: string };
}

async function startThread(): Promise<{ server: AppServer; threadId: string }> {
  const child = spawn(codexBinary(), ["app-server"], {
    cwd: box.workspace,
    // OPENAI_API_KEY is read by the fake provider's env_key. TMPDIR keeps the sandbox helper's
    // scratch dirs (/tmp/codex-bwrap-…) inside the test's own dir.
    // HOME too: Codex snapshots a login shell, which would otherwise run the developer's ~/.bashrc.
    env: hermeticEnv({
      CODEX_HOME: box.home,
      OPENAI_API_KEY: "sk-fake",
      TMPDIR: box.tmp,
      HOME: box.root,
    }),
    stdio: ["pipe", "pipe", "pipe"],
    // Own process group, so close() can signal everything the app-server started.
    detached: true,
  });
  const rpc = new AppServer(child, (method) =>
    method === "item/commandExecution/requestApproval" ? { decision } : {},
  );
  server = rpc;
  await rpc.request("initialize", {
    clientInfo: { name: "tether_test", title: "Tether tests", version: "0.0.0" },
    capabilities: { experimentalApi: true },
  });
  rpc.notify("initialized");
  const { thread } = await rpc.request<ThreadStartResult>("thread/start", {
    cwd: box.workspace,
    approvalPolicy: "on-request",
    sandbox: "workspace-write",
  });
  return { server: rpc, threadId: thread.id };
}

async function runTurn(rpc: AppServer, threadId: string, text: string): Promise<RpcMessage> {
  const { turn } = await rpc.request<TurnStartResult>("turn/start", {
    threadId,
    input: [{ type: "text", text, text_elements: [] }],
  });
  return rpc.waitForNotification(
    "turn/completed",
    (p) => (p.turn as { id?: string } | undefined)?.id === turn.id,
  );
}

function agentText(rpc: AppServer): string {
  return rpc.notifications
    .filter((n) => n.method === "item/agentMessage/delta")
    .map((n) => String(n.params?.delta ?? ""))
    .join("");
}

describe("Codex app-server against the fake OpenAI API", () => {
  it("answers a text turn", async () => {
    const { server: rpc, threadId } = await startThread();
    const done = await runTurn(rpc, threadId, "hello fake");
    expect(done.params?.turn).toMatchObject({ status: "completed" });
    expect(agentText(rpc)).toContain("Echo: hello fake");
    expect(fake.turns()[0]?.body?.model).toBe("gpt-5.5");
    expect(fake.turns()[0]?.headers.authorization).toBe("Bearer sk-fake");
    // Keeps the leftover-process check in afterEach honest: it does see the live app-server.
    expect(processesMentioning(box.root)).toContain(rpc.pid);
  });

  it("asks before an escalated command and runs it when accepted", async () => {
    const target = join(box.workspace, "x");
    fake.when("make x", execCommand(`touch ${target}`, { escalate: "Test needs it" }));
    const { server: rpc, threadId } = await startThread();
    const done = await runTurn(rpc, threadId, "please make x");
    expect(done.params?.turn).toMatchObject({ status: "completed" });
    const approvals = rpc.serverRequests.filter(
      (r) => r.method === "item/commandExecution/requestApproval",
    );
    expect(approvals).toHaveLength(1);
    expect(approvals[0]?.params).toMatchObject({ reason: "Test needs it" });
    expect(existsSync(target)).toBe(true);
    expect(fake.toolOutputs()).toHaveLength(1);
    expect(agentText(rpc)).toContain("Tool finished:");
  });

  it("does not run a declined command, and the turn still completes", async () => {
    const target = join(box.workspace, "y");
    decision = "decline";
    fake.when("make y", execCommand(`touch ${target}`, { escalate: "Test needs it" }));
    const { server: rpc, threadId } = await startThread();
    const done = await runTurn(rpc, threadId, "please make y");
    expect(done.params?.turn).toMatchObject({ status: "completed" });
    expect(existsSync(target)).toBe(false);
    expect(fake.toolOutputs()[0]?.output).toContain("rejected by user");
    const item = rpc.notifications.find(
      (n) =>
        n.method === "item/completed" &&
        (n.params?.item as { type?: string } | undefined)?.type === "commandExecution",
    );
    expect(item?.params?.item).toMatchObject({ status: "declined" });
  });

  it("applies a patch from the freeform apply_patch tool", async () => {
    const target = join(box.workspace, "patched.txt");
    fake.when("patch it", addFilePatch(target, "hello from the fake"));
    const { server: rpc, threadId } = await startThread();
    const done = await runTurn(rpc, threadId, "patch it");
    expect(done.params?.turn).toMatchObject({ status: "completed" });
    // Inside the workspace under workspace-write, no approval is needed.
    expect(rpc.serverRequests).toHaveLength(0);
    expect(readFileSync(target, "utf8")).toBe("hello from the fake\n");
    expect(fake.toolOutputs()[0]?.kind).toBe("custom_tool_call_output");
  });

  it("interrupts a slowly streaming turn", async () => {
    fake.when("go slow", slowText("tick ", 200, 50));
    const { server: rpc, threadId } = await startThread();
    const { turn } = await rpc.request<TurnStartResult>("turn/start", {
      threadId,
      input: [{ type: "text", text: "go slow", text_elements: [] }],
    });
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 10_000,
      what: "slow stream to start",
    });
    await rpc.request("turn/interrupt", { threadId, turnId: turn.id });
    const done = await rpc.waitForNotification(
      "turn/completed",
      (p) => (p.turn as { id?: string } | undefined)?.id === turn.id,
    );
    expect(done.params?.turn).toMatchObject({ status: "interrupted" });
    await waitFor(() => fake.turns()[0]?.aborted, {
      timeoutMs: 5_000,
      what: "fake to see the disconnect",
    });
    const next = await runTurn(rpc, threadId, "still there?");
    expect(next.params?.turn).toMatchObject({ status: "completed" });
  });
});
