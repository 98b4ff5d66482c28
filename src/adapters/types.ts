// What an agent adapter is, seen from Tether. An adapter drives one kind of coding agent (Claude
// Code, Codex) for one session. Its SDK's types stay inside its folder: the supervisor and the
// engine see only these interfaces.
import type { Usage } from "../shared/schemas.js";

/** How an output event should be rendered by the web app and the bridges. */
export const OUTPUT_KINDS = ["text", "thinking", "tool_call", "tool_result", "error"] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** The agent wants to use a tool and needs the human's permission. */
export interface PermissionRequest {
  /** The agent's name for the tool, e.g. `Bash`, `Write`, `command`. */
  tool: string;
  /** One line for a notification, e.g. `Bash: touch notes.txt`. */
  title: string;
  description: string;
  /** The tool's input as the agent gave it, shown to the human. */
  input: unknown;
}

/** The agent asks the human to choose (e.g. Claude's AskUserQuestion). */
export interface Question {
  title: string;
  description: string;
  options: string[];
}

export type PermissionDecision =
  | { allow: true }
  | { allow: false /** Sent back to the agent, so it can do something else. */; message: string };

/** What an adapter may tell Tether about its session. Calls are cheap and never throw: the
 * supervisor records them in order and logs what it cannot record. */
export interface AgentHost {
  output(kind: OutputKind, text: string, metadata?: Record<string, unknown>): void;
  /** The agent began working on a turn. */
  turnStarted(): void;
  /** The agent finished its turn and waits for the human. */
  turnEnded(): void;
  /** The agent failed; `message` says what happened and what to do. */
  failed(message: string): void;
  /** Totals so far for this session (not increments). */
  usage(total: Usage): void;
  /** The agent's own id for this session, kept so a restarted daemon can resume it. */
  resumeWith(agentSessionId: string): void;
  /** Asks the human; resolves with their decision. `signal` aborts when the agent stops
   * waiting (interrupted, answered elsewhere, exited), and the approval is withdrawn. */
  askPermission(request: PermissionRequest, signal: AbortSignal): Promise<PermissionDecision>;
  /** Asks the human to pick one of `question.options`; resolves with the one picked, or
   * undefined when the question was withdrawn. */
  askQuestion(question: Question, signal: AbortSignal): Promise<string | undefined>;
}

/** One running agent for one session. */
export interface AgentRun {
  /** Starts a turn with the human's message, or queues it behind the running turn. */
  send(text: string): void;
  /** Stops the current turn; the run stays usable for the next message. */
  interrupt(): Promise<void>;
  /** Stops the agent process. */
  close(): Promise<void>;
  /** The agent's process, when the adapter spawned it itself (Codex; Claude's SDK does not
   * say, and is found by its environment instead: agent-peers.ts). */
  readonly pid?: number | undefined;
}

export interface AdapterStartOptions {
  /** The session's working directory. */
  directory: string;
  /** The agent's own session id from an earlier run, to continue that conversation. */
  resume: string | null;
  /** The environment the agent process gets: already narrowed to the allowlist (agent-env.ts). */
  env: Readonly<Record<string, string>>;
}

export interface Adapter {
  readonly name: string;
  start(host: AgentHost, options: AdapterStartOptions): Promise<AgentRun>;
}

/** Start-up failed in a way the user can fix; the message says how (log in, install, …). */
export class AdapterError extends Error {
  override name = "AdapterError";
}
