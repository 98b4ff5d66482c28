// Proves the real Claude Code CLI, driven by @anthropic-ai/claude-agent-sdk, runs turns against
// the fake Anthropic server: text, an allowed and a denied Bash call, and an interrupt.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CanUseTool,
  type Query,
  query,
  type SDKMessage,
  type SDKResultMessage,
} from "@anthropic-ai/claude-agent-sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PromptStream } from "../../src/adapters/claude/prompt-stream.js";
import { waitFor } from "../helpers/wait.js";
import {
  askUserQuestion,
  bash,
  type FakeAnthropic,
  slowText,
  startFakeAnthropic,
  write,
} from "./anthropic.js";
import { type AgentSandbox, agentSandbox, claudeEnv, processesMentioning } from "./support.js";

interface Session {
  q: Query;
  prompts: PromptStream;
  messages: SDKMessage[];
  /** Sends `text` and resolves with the result message that ends the turn. */
  turn(text: string): Promise<SDKResultMessage>;
}

let fake: FakeAnthropic;
let box: AgentSandbox;
let session: Session | undefined;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  box = agentSandbox("tether-claude-");
});

afterEach(async () => {
  session?.prompts.end();
  session?.q.close();
  session = undefined;
  // close() signals the CLI; wait until it (and anything it spawned) is really gone.
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 5_000,
    what: "claude processes to exit",
  });
  await fake.close();
  box.remove();
});

function startSession(canUseTool?: CanUseTool): Session {
  const prompts = new PromptStream();
  const messages: SDKMessage[] = [];
  const q = query({
    prompt: prompts,
    options: {
      cwd: box.workspace,
      env: claudeEnv(box, fake.url),
      settingSources: [],
      permissionMode: "default",
      ...(canUseTool ? { canUseTool } : {}),
    },
  });
  let failure: unknown;
  void (async () => {
    for await (const message of q) messages.push(message);
  })().catch((error: unknown) => {
    failure = error;
  });
  const results = () => messages.filter((m): m is SDKResultMessage => m.type === "result");
  return {
    q,
    prompts,
    messages,
    async turn(text) {
      // Results of earlier turns (finished or interrupted) are already in; wait for a new one.
      const before = results().length;
      prompts.push(text);
      return waitFor(
        () => {
          if (failure) throw failure;
          return results()[before];
        },
        { timeoutMs: 20_000, what: `result of turn "${text}"` },
      );
    },
  };
}

function lastAssistantText(messages: SDKMessage[]): string {
  for (const m of messages.toReversed()) {
    if (m.type !== "assistant") continue;
    const content = m.message.content;
    const texts = content.flatMap((b) => (b.type === "text" ? [b.text] : []));
    if (texts.length > 0) return texts.join("");
  }
  return "";
}

describe("Claude Code against the fake Anthropic API", () => {
  it("answers a text turn", async () => {
    session = startSession();
    const result = await session.turn("hello fake");
    expect(result.subtype).toBe("success");
    expect(lastAssistantText(session.messages)).toBe("Echo: hello fake");
    const init = session.messages.find((m) => m.type === "system" && m.subtype === "init");
    expect(init).toMatchObject({ apiKeySource: "ANTHROPIC_API_KEY", cwd: box.workspace });
    expect(fake.requests.some((r) => r.kind === "title")).toBe(true);
    expect(fake.turns()[0]?.headers["x-api-key"]).toBe("sk-fake");
    // Keeps the leftover-process check in afterEach honest: it does see the live CLI.
    expect(processesMentioning(box.root).length).toBeGreaterThan(0);
  });

  it("runs an allowed Bash call", async () => {
    const target = join(box.workspace, "x");
    fake.when("make x", bash(`touch ${target}`));
    const asked: string[] = [];
    session = startSession(async (toolName, input) => {
      asked.push(`${toolName}:${String(input.command)}`);
      return { behavior: "allow", updatedInput: input };
    });
    const result = await session.turn("please make x");
    expect(result.subtype).toBe("success");
    expect(asked).toEqual([`Bash:touch ${target}`]);
    expect(existsSync(target)).toBe(true);
    expect(fake.toolResults()).toEqual([
      expect.objectContaining({ isError: false, content: "(Bash completed with no output)" }),
    ]);
    expect(lastAssistantText(session.messages)).toBe(
      "Tool finished (is_error=false): (Bash completed with no output)",
    );
  });

  it("reports a denied Bash call back to the model", async () => {
    const target = join(box.workspace, "y");
    fake.when("make y", bash(`touch ${target}`));
    session = startSession(async () => ({ behavior: "deny", message: "Denied by remote human" }));
    const result = await session.turn("please make y");
    expect(existsSync(target)).toBe(false);
    expect(fake.toolResults()).toEqual([
      expect.objectContaining({ isError: true, content: "Denied by remote human" }),
    ]);
    // A denial does not fail the turn; it is listed instead.
    expect(result.subtype).toBe("success");
    expect(result.permission_denials).toHaveLength(1);
  });

  it("interrupts a slowly streaming turn and keeps the session usable", async () => {
    fake.when("go slow", slowText("tick ", 200, 50));
    session = startSession();
    const { prompts, q, messages } = session;
    prompts.push("go slow");
    // Interrupt only once the model is demonstrably mid-stream.
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 15_000,
      what: "slow stream to start",
    });
    await q.interrupt();
    const result = await waitFor(
      () => messages.find((m): m is SDKResultMessage => m.type === "result"),
      { timeoutMs: 10_000, what: "interrupted result" },
    );
    expect(result.subtype).toBe("error_during_execution");
    await waitFor(() => fake.turns()[0]?.aborted, {
      timeoutMs: 5_000,
      what: "fake to see the disconnect",
    });
    const next = await session.turn("still there?");
    expect(next.subtype).toBe("success");
    expect(fake.turns().at(-1)?.turn?.userText).toContain("still there?");
  });

  it("writes a file with the Write tool", async () => {
    const target = join(box.workspace, "note.txt");
    fake.when("write it", write(target, "hello from the fake\n"));
    session = startSession(async (_toolName, input) => ({
      behavior: "allow",
      updatedInput: input,
    }));
    const result = await session.turn("write it");
    expect(result.subtype).toBe("success");
    expect(readFileSync(target, "utf8")).toBe("hello from the fake\n");
    expect(fake.toolResults()[0]?.isError).toBe(false);
  });

  it("relays AskUserQuestion through canUseTool", async () => {
    const question = "Which color should I use?";
    fake.when("ask me", askUserQuestion(question, ["Red", "Blue"]));
    session = startSession(async (toolName, input) => {
      if (toolName !== "AskUserQuestion") return { behavior: "deny", message: "unexpected tool" };
      return { behavior: "allow", updatedInput: { ...input, answers: { [question]: "Blue" } } };
    });
    await session.turn("ask me");
    expect(fake.toolResults()[0]?.content).toContain(`"${question}"="Blue"`);
  });
});
