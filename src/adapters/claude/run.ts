// One Claude Code session: a single query() in streaming-input mode, kept alive across turns.
// Messages sent while a turn runs wait here and go in one by one, so every turn has exactly one
// result and the session's state follows the agent's.
import {
  type CanUseTool,
  type PermissionResult,
  type Query,
  query,
} from "@anthropic-ai/claude-agent-sdk";
import { agentProcessEnv } from "../agent-env.js";
import { findOnPath } from "../on-path.js";
import type { AdapterStartOptions, AgentHost, AgentRun } from "../types.js";
import { NOT_LOGGED_IN } from "./auth.js";
import { describeTool, failureOf, relay } from "./messages.js";
import { PromptStream } from "./prompt-stream.js";

const CLAUDE_MISSING =
  "Claude Code is not installed: install Claude Code so that `claude` is on PATH, or reinstall the SDK with its bundled one (`npm install -g @anthropic-ai/claude-agent-sdk`)";

export class ClaudeRun implements AgentRun {
  private readonly prompts = new PromptStream();
  private readonly query: Query;
  private readonly waiting: string[] = [];
  private turnRunning = false;
  private closing = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly host: AgentHost,
    options: AdapterStartOptions,
  ) {
    const env = agentProcessEnv(options.env);
    // The user's own Claude Code when it is on the session's PATH (their version, their
    // updates); else the one the SDK ships, if that was installed.
    const ownClaude = findOnPath("claude", env.PATH);
    this.query = query({
      prompt: this.prompts,
      options: {
        cwd: options.directory,
        env,
        ...(ownClaude ? { pathToClaudeCodeExecutable: ownClaude } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
        permissionMode: "default",
        // The user's own Claude Code settings (CLAUDE.md, permission rules) apply, as in a terminal.
        settingSources: ["user", "project", "local"],
        canUseTool: this.canUseTool,
      },
    });
    this.finished = this.consume();
  }

  send(text: string): void {
    if (this.turnRunning) {
      this.waiting.push(text);
      return;
    }
    this.begin(text);
  }

  async interrupt(): Promise<void> {
    this.waiting.length = 0;
    if (this.turnRunning) await this.query.interrupt();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.prompts.end();
    this.query.close();
    await this.finished;
  }

  private begin(text: string): void {
    this.turnRunning = true;
    this.host.turnStarted();
    this.prompts.push(text);
  }

  private readonly canUseTool: CanUseTool = async (tool, input, { signal }) => {
    if (tool === "AskUserQuestion") return this.askUser(input, signal);
    const decision = await this.host.askPermission(
      {
        tool,
        title: describeTool(tool, input),
        description: `Claude wants to use ${tool}`,
        input,
      },
      signal,
    );
    // updatedInput keeps older Claude Code CLIs happy, which reject an allow without it.
    return decision.allow
      ? { behavior: "allow", updatedInput: input }
      : { behavior: "deny", message: decision.message };
  };

  /** Claude asks the human multiple-choice questions: each becomes an approval whose options are
   * the choices, and the choices made go back as the tool's answers. */
  private async askUser(
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<PermissionResult> {
    const answers: Record<string, string> = {};
    for (const q of questionsOf(input)) {
      const picked = await this.host.askQuestion(
        {
          title: q.question,
          description: q.options.map((o) => `${o.label}: ${o.description ?? ""}`).join("\n"),
          options: q.options.map((o) => o.label),
        },
        signal,
      );
      if (picked === undefined) return { behavior: "deny", message: "The question was withdrawn." };
      answers[q.question] = picked;
    }
    return { behavior: "allow", updatedInput: { ...input, answers } };
  }

  private async consume(): Promise<void> {
    try {
      for await (const message of this.query) {
        const result = relay(this.host, message);
        if (!result) continue;
        this.turnRunning = false;
        const failure = failureOf(result);
        if (failure) {
          this.waiting.length = 0;
          this.host.failed(/not logged in/i.test(failure) ? NOT_LOGGED_IN : failure);
          continue;
        }
        const next = this.waiting.shift();
        if (next !== undefined) this.begin(next);
        else this.host.turnEnded();
      }
      if (!this.closing)
        this.host.failed("Claude Code exited unexpectedly; send a message to restart it");
    } catch (error) {
      if (!this.closing) {
        const message = (error as Error).message;
        // Neither the user's own `claude` on PATH nor the SDK's bundled one.
        this.host.failed(
          /(native binary|executable) not found/i.test(message)
            ? CLAUDE_MISSING
            : `Claude Code failed: ${message}`,
        );
      }
    }
  }
}

interface AskedQuestion {
  question: string;
  options: { label: string; description?: string }[];
}

function questionsOf(input: Record<string, unknown>): AskedQuestion[] {
  const questions = Array.isArray(input.questions) ? input.questions : [];
  return questions.filter(
    (q): q is AskedQuestion =>
      typeof q?.question === "string" &&
      Array.isArray(q.options) &&
      q.options.length > 0 &&
      q.options.every((o: { label?: unknown }) => typeof o?.label === "string"),
  );
}
