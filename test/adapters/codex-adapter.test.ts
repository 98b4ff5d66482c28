// The codex_sdk_sidecar adapter drives the real `codex app-server` (0.169.0) against the fake
// OpenAI Responses server: turns, approvals, steering, interrupts, resume, start-up failures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codexAdapter } from "../../src/adapters/codex/adapter.js";
import { AdapterError, type AgentRun } from "../../src/adapters/types.js";
import {
  addFilePatch,
  codexConfigToml,
  execCommand,
  type FakeOpenAI,
  slowText,
  startFakeOpenAI,
} from "../fakes/openai.js";
import {
  type AgentSandbox,
  agentSandbox,
  hermeticEnv,
  processesMentioning,
} from "../fakes/support.js";
import { waitFor } from "../helpers/wait.js";
import { RecordingHost } from "./codex-host.js";

let fake: FakeOpenAI;
let box: AgentSandbox;
const runs: AgentRun[] = [];

beforeEach(async () => {
  fake = await startFakeOpenAI();
  box = agentSandbox("tether-codex-adapter-");
  writeFileSync(join(box.home, "config.toml"), codexConfigToml(fake.url));
});

afterEach(async () => {
  try {
    await Promise.all(runs.splice(0).map((run) => run.close()));
    await waitFor(() => processesMentioning(box.root).length === 0, {
      timeoutMs: 5_000,
      what: () => `codex processes to exit: ${commandLines(processesMentioning(box.root))}`,
    });
  } finally {
    await fake.close();
    box.remove();
  }
});

/** `pid command…` for a failure message about leftover processes. */
function commandLines(pids: number[]): string {
  return pids.map((pid) => `${pid} ${commandLine(pid)}`).join(" | ");
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "(exited)";
  }
}

/** `sleep` processes started by this test's Codex. */
function sleepers(): number[] {
  return processesMentioning(box.root).filter((pid) => commandLine(pid).startsWith("sleep "));
}

/** OPENAI_API_KEY feeds the fake provider's env_key; TMPDIR keeps Codex's scratch dirs in the box.
 * HOME too: Codex snapshots a login shell at thread start, which would otherwise run the
 * developer's ~/.bashrc (slow, and with side effects such as `pyenv rehash` and its lock). */
function env(codexHome = box.home): Record<string, string> {
  return hermeticEnv({
    CODEX_HOME: codexHome,
    OPENAI_API_KEY: "sk-fake",
    TMPDIR: box.tmp,
    HOME: box.root,
  });
}

async function start(host: RecordingHost, resume: string | null = null): Promise<AgentRun> {
  const run = await codexAdapter().start(host, { directory: box.workspace, resume, env: env() });
  runs.push(run);
  return run;
}

const turnsEnded = (host: RecordingHost, n: number) =>
  waitFor(() => host.count("turnEnded") >= n, {
    timeoutMs: 15_000,
    what: () => `${n} turn end(s); host saw ${host.sequence().join(", ")}`,
  });

const nextAsk = (host: RecordingHost, n = 1) =>
  waitFor(() => host.asked[n - 1], { timeoutMs: 15_000, what: "a permission request" });

describe("codex_sdk_sidecar adapter", () => {
  it("runs a text turn and reports its text, usage and the thread id", async () => {
    const host = new RecordingHost();
    const run = await start(host);
    const threadId = host.resumedWith();
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);

    run.send("hello fake");
    await turnsEnded(host, 1);

    expect(host.outputs("text").map((o) => o.text)).toEqual(["Echo: hello fake"]);
    const seq = host.sequence().filter((s) => s !== "usage");
    expect(seq).toEqual(["resumeWith", "turnStarted", "output:text", "turnEnded"]);
    const usage = host.calls.findLast((c) => c.type === "usage");
    expect(usage).toMatchObject({ total: { input_tokens: 100, output_tokens: 20, cost_usd: 0 } });
    expect(host.failures()).toEqual([]);
  });

  it("asks before an escalated command and runs it when allowed", async () => {
    const target = join(box.workspace, "x");
    fake.when("make x", execCommand(`touch ${target}`, { escalate: "Test needs it" }));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("please make x");
    const ask = await nextAsk(host);
    expect(ask.request.tool).toBe("command");
    expect(ask.request.title).toBe(`command: touch ${target}`);
    expect(ask.request.description).toContain("Test needs it");
    expect(ask.request.input).toMatchObject({
      command: expect.stringContaining(`touch ${target}`),
    });
    expect(existsSync(target)).toBe(false);

    ask.answer({ allow: true });
    await turnsEnded(host, 1);
    expect(existsSync(target)).toBe(true);
    const [call] = host.outputs("tool_call");
    expect(call?.text).toContain(`touch ${target}`);
    const [result] = host.outputs("tool_result");
    expect(result?.text).toContain("(exit code 0)");
    expect(result?.metadata).toMatchObject({ status: "completed", exit_code: 0 });
    expect(host.outputs("text").at(-1)?.text).toContain("Tool finished:");
  });

  it("does not run a denied command, and the turn still completes", async () => {
    const target = join(box.workspace, "y");
    fake.when("make y", execCommand(`touch ${target}`, { escalate: "Test needs it" }));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("please make y");
    (await nextAsk(host)).answer({ allow: false, message: "not now" });
    await turnsEnded(host, 1);

    expect(existsSync(target)).toBe(false);
    expect(fake.toolOutputs()[0]?.output).toContain("rejected by user");
    expect(host.outputs("tool_result")[0]?.metadata).toMatchObject({ status: "declined" });
    expect(host.failures()).toEqual([]);
  });

  it("reports a patch as a tool call and result with its paths", async () => {
    const target = join(box.workspace, "patched.txt");
    fake.when("patch it", addFilePatch(target, "hello"));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("patch it");
    await turnsEnded(host, 1);

    expect(host.outputs("tool_call")[0]).toMatchObject({
      text: `add ${target}`,
      metadata: { tool: "apply_patch", paths: [target] },
    });
    expect(host.outputs("tool_result")[0]).toMatchObject({
      text: `applied: add ${target}`,
      metadata: { status: "completed", paths: [target] },
    });
  });

  it("starts a second turn on a follow-up message, with the first in its history", async () => {
    const host = new RecordingHost();
    const run = await start(host);

    run.send("first message");
    await turnsEnded(host, 1);
    run.send("second message");
    await turnsEnded(host, 2);

    expect(host.count("turnStarted")).toBe(2);
    expect(host.outputs("text").map((o) => o.text)).toEqual([
      "Echo: first message",
      "Echo: second message",
    ]);
    expect(JSON.stringify(fake.turns()[1]?.body?.input)).toContain("first message");
  });

  it("steers a message sent during a turn into that turn", async () => {
    fake.when("go slow", slowText("tick ", 40, 25));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("go slow");
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), { what: "slow stream" });
    run.send("and also this");
    await turnsEnded(host, 1);

    expect(host.count("turnStarted")).toBe(1);
    // The model saw the steered message within the same turn and answered it.
    expect(fake.turns().at(-1)?.turn?.userText).toContain("and also this");
    expect(host.outputs("text").at(-1)?.text).toBe("Echo: and also this");
  });

  it("interrupts a slowly streaming turn, and the next turn works", async () => {
    fake.when("go slow", slowText("tick ", 200, 50));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("go slow");
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), { what: "slow stream" });
    await run.interrupt();
    expect(host.count("turnEnded")).toBe(1);
    await waitFor(() => fake.turns()[0]?.aborted, { what: "fake to see the disconnect" });

    run.send("still there?");
    await turnsEnded(host, 2);
    expect(host.outputs("text").at(-1)?.text).toBe("Echo: still there?");
    expect(host.failures()).toEqual([]);
  });

  it("withdraws a pending approval when the turn is interrupted", async () => {
    fake.when("make z", execCommand(`touch ${join(box.workspace, "z")}`, { escalate: "needs it" }));
    const host = new RecordingHost();
    const run = await start(host);

    run.send("make z");
    const ask = await nextAsk(host);
    await run.interrupt();
    expect(ask.signal.aborted).toBe(true);
    expect(host.count("turnEnded")).toBe(1);
    expect(existsSync(join(box.workspace, "z"))).toBe(false);
  });

  it("resumes the same thread in a new process", async () => {
    const first = new RecordingHost();
    const run = await start(first);
    run.send("remember the number 42");
    await turnsEnded(first, 1);
    await run.close();
    const threadId = first.resumedWith();

    const second = new RecordingHost();
    const resumed = await start(second, threadId ?? null);
    expect(second.resumedWith()).toBe(threadId);
    resumed.send("which number?");
    await turnsEnded(second, 1);

    const history = JSON.stringify(fake.turns().at(-1)?.body?.input);
    expect(history).toContain("remember the number 42");
    expect(history).toContain("Echo: remember the number 42");
  });

  it("reports an unexpected exit and withdraws pending approvals", async () => {
    fake.when("make w", execCommand(`touch ${join(box.workspace, "w")}`, { escalate: "needs it" }));
    const host = new RecordingHost();
    const run = await start(host);
    run.send("make w");
    const ask = await nextAsk(host);

    // Only the app-server: SIGKILLing the shells it started could leave their lock files behind
    // (a login shell's rc may run e.g. `pyenv rehash`, which holds a lock in the real home).
    const [server] = processesMentioning(box.root).filter((pid) =>
      commandLine(pid).endsWith("codex app-server"),
    );
    expect(server).toBeDefined();
    process.kill(server!, "SIGKILL");
    await waitFor(() => host.failures().length > 0, { what: "a failure" });

    expect(host.failures()[0]).toMatch(/^Codex exited unexpectedly \(signal SIGKILL\)/);
    expect(ask.signal.aborted).toBe(true);
    await run.close(); // harmless after the process is gone
  });

  it("fails to start with a clear message when the binary is missing", async () => {
    const adapter = codexAdapter({ command: join(box.root, "no-such-codex") });
    const error = await adapter
      .start(new RecordingHost(), { directory: box.workspace, resume: null, env: env() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(
      /^Codex CLI not found .*npm install -g @openai\/codex/,
    );
  });

  it("fails to start with a clear message when Codex is not logged in", async () => {
    const emptyHome = join(box.root, "empty-home");
    mkdirSync(emptyHome);
    const host = new RecordingHost();
    const error = await codexAdapter()
      .start(host, { directory: box.workspace, resume: null, env: env(emptyHome) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(/^Codex is not logged in: run `codex login`/);
    expect(host.calls).toEqual([]);
  });

  it("names a broken config.toml when start-up fails because of it", async () => {
    // Codex ignores a config it cannot parse and runs on defaults: here the OpenAI provider,
    // which needs a login this home does not have.
    writeFileSync(join(box.home, "config.toml"), "model = [unclosed\n");
    const error = await codexAdapter()
      .start(new RecordingHost(), { directory: box.workspace, resume: null, env: env() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(
      /^Codex is not logged in: .* \(Codex configuration: Invalid configuration; using defaults\. .*config\.toml:1:\d+: unclosed array/,
    );
  });

  it("stops the commands Codex runs when it is closed", async () => {
    fake.when("sleep", execCommand("sleep 30"));
    const host = new RecordingHost();
    const run = await start(host);
    run.send("sleep please");
    await waitFor(() => host.outputs("tool_call")[0], { what: "the command to start" });
    await waitFor(() => sleepers().length > 0, { what: "sleep to run" });

    await run.close();
    expect(sleepers()).toEqual([]);
  });

  it("fails to resume a thread that does not exist", async () => {
    const error = await start(new RecordingHost(), "00000000-0000-0000-0000-000000000000").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toMatch(/^Codex could not resume thread 0000.*no rollout/);
  });
});
