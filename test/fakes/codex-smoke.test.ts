// Proves the real Codex CLI (`codex app-server`, JSON-RPC over stdio) runs turns against the fake
// OpenAI Responses server: a text turn, and an escalated command that is approved or declined.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AppServer,
  agentText,
  commandItems,
  runTurn,
  startAppServer,
  startTurn,
  type ThreadStartResult,
  turnCompleted,
} from "../helpers/codex-app-server.js";
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

async function startThread(): Promise<{ server: AppServer; threadId: string }> {
  const rpc = await startAppServer({
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
    answer: (method) => (method === "item/commandExecution/requestApproval" ? { decision } : {}),
  });
  server = rpc;
  const { thread } = await rpc.request<ThreadStartResult>("thread/start", {
    cwd: box.workspace,
    approvalPolicy: "on-request",
    sandbox: "workspace-write",
  });
  return { server: rpc, threadId: thread.id };
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
    const approvals = rpc.requestsOf("item/commandExecution/requestApproval");
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
    expect(commandItems(rpc)[0]).toMatchObject({ status: "declined" });
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
    const turnId = await startTurn(rpc, threadId, "go slow");
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 10_000,
      what: "slow stream to start",
    });
    await rpc.request("turn/interrupt", { threadId, turnId });
    const done = await turnCompleted(rpc, turnId);
    expect(done.params?.turn).toMatchObject({ status: "interrupted" });
    await waitFor(() => fake.turns()[0]?.aborted, {
      timeoutMs: 5_000,
      what: "fake to see the disconnect",
    });
    const next = await runTurn(rpc, threadId, "still there?");
    expect(next.params?.turn).toMatchObject({ status: "completed" });
  });
});
