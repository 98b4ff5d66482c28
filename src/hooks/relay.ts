// The daemon's side of the terminal hooks: what Claude Code or Codex, started by hand in a
// terminal, tells Tether through `tether hook <agent>`, and what Tether answers. Each agent
// session becomes a Tether session (kind claude_terminal / codex_terminal) keyed by the agent's own
// session id; its prompts, tool calls and last message become events, so every door shows it
// like any other session.
//
// A permission prompt becomes a durable approval that races the terminal's own dialog: answered
// remotely, the hook returns the decision; answered at the terminal first, the agent goes on
// without the hook, and what it reports next (the tool's result, a denial, the end of the turn)
// withdraws the approval as "answered at the terminal". At the end of a turn (Stop) the session
// waits for its human: a reply from any door is handed to the agent by the Stop hook, which
// blocks the stop with the reply as its reason, and the agent carries on with it.
import { basename } from "node:path";
import { describeTool } from "../adapters/claude/messages.js";
import { ALLOW, DENY } from "../adapters/permissions.js";
import type { Actor } from "../core/actor.js";
import type { Approvals } from "../core/approvals.js";
import type { Engine } from "../core/engine.js";
import { sessionRuleOption } from "../core/rules.js";
import { TERMINAL_KINDS } from "../shared/kinds.js";
import {
  type Approval,
  type HookInput,
  jsonLength,
  LIMITS,
  type Session,
} from "../shared/schemas.js";
import { nameFromPrompt } from "../shared/session-name.js";
import { withTimeout } from "../shared/timeout-signal.js";
import { type HookAgent, PERMISSION_WAIT_S, STOP_WAIT_S } from "./events.js";
import type { ReplyWaiter } from "./reply-waiter.js";

export type HookOutput = Record<string, unknown>;

/** What the agent does as if Tether were not there. */
const CARRY_ON: HookOutput = {};

const TERMINAL: Actor = { kind: "terminal" };
const ANSWERED_THERE = "answered at the terminal";
/** How a reply handed over at the turn's end begins. */
const REPLY_PREFIX = "The user replied through Tether:\n\n";

const AGENT_NAMES: Record<HookAgent, string> = { claude: "Claude Code", codex: "Codex" };

export interface RelayOptions {
  engine: Pick<
    Engine,
    | "listSessions"
    | "getSessionById"
    | "createSession"
    | "renameSession"
    | "setAgentSessionId"
    | "setTerminal"
    | "setState"
    | "appendOutput"
    | "noteInput"
    | "readQueue"
    | "acknowledge"
  >;
  approvals: Approvals;
  replies: ReplyWaiter;
  /** Bounds of the waits, shorter in tests. */
  waits?: { permissionS?: Partial<Record<HookAgent, number>>; stopS?: number };
}

export class HookRelay {
  /** Agent session id → the attempt that finds or makes its Tether session. */
  private readonly opening = new Map<string, Promise<Session>>();
  /** Agent session id → its Tether session's id, once found: every hook call of a session
   * looks it up, and scanning every session each time would not do. */
  private readonly known = new Map<string, string>();
  /** Tether session id → the Stop hook held open for a reply, which a prompt typed at the
   * terminal ends: the terminal shows it queued until the hold ends. */
  private readonly holds = new Map<string, AbortController>();

  constructor(private readonly o: RelayOptions) {}

  async handle(agent: HookAgent, input: HookInput, signal: AbortSignal): Promise<HookOutput> {
    const session = await this.sessionFor(agent, input);
    await this.noteProcess(session, input);
    switch (input.hook_event_name) {
      case "PermissionRequest":
        return this.permission(agent, session, input, signal);
      case "PostToolUse":
      case "PostToolUseFailure":
        await this.withdrawMatching(session, input);
        await this.toolDone(session, input);
        return CARRY_ON;
      case "PermissionDenied":
        await this.withdrawMatching(session, input);
        return CARRY_ON;
      case "UserPromptSubmit":
        await this.prompted(session, input);
        return CARRY_ON;
      case "Notification":
        if (input.notification_type === "idle_prompt") await this.waiting(session, "idle");
        return CARRY_ON;
      case "Stop":
        return this.stopped(session, input, signal);
      case "SessionEnd":
        await this.withdrawAll(session, "the terminal session ended");
        if (session.terminal) {
          await this.o.engine.setTerminal(session.id, { ...session.terminal, running: false });
        }
        await this.o.engine.setState(
          session.id,
          "done",
          `ended in the terminal (${input.reason ?? "exit"})`,
        );
        return CARRY_ON;
      default:
        // SessionStart, and whatever else a newer agent sends: the session exists now.
        return CARRY_ON;
    }
  }

  // ---------- sessions ----------

  /** The Tether session of this agent session: found by the agent's id (also after a restart),
   * or made on its first hook call. A session that ended is not taken up again: a resumed
   * conversation becomes a new Tether session. */
  private sessionFor(agent: HookAgent, input: HookInput): Promise<Session> {
    const key = `${agent}:${input.session_id}`;
    let attempt = this.opening.get(key);
    if (!attempt) {
      attempt = this.findOrMake(agent, input).finally(() => this.opening.delete(key));
      this.opening.set(key, attempt);
    }
    return attempt;
  }

  private async findOrMake(agent: HookAgent, input: HookInput): Promise<Session> {
    const key = `${agent}:${input.session_id}`;
    const cached = this.live(this.known.get(key));
    if (cached) return cached;
    const kind = TERMINAL_KINDS[agent];
    const found = this.o.engine
      .listSessions({ kind })
      .find((s) => s.agent_session_id === input.session_id && s.state !== "done");
    if (found) {
      this.known.set(key, found.id);
      return found;
    }
    const cwd = input.cwd ?? null;
    const session = await this.o.engine.createSession({
      kind,
      name: defaultName(agent, cwd),
      directory: cwd,
      agent: { name: AGENT_NAMES[agent], type: kind, icon: null, workspace: cwd },
    });
    await this.o.engine.setAgentSessionId(session.id, input.session_id);
    this.known.set(key, session.id);
    return this.o.engine.getSessionById(session.id);
  }

  /** Keeps what the hook tells of the agent's process and transcript on the session. */
  private async noteProcess(session: Session, input: HookInput): Promise<void> {
    const known = session.terminal;
    const agent = input.tether_agent_process;
    await this.o.engine.setTerminal(session.id, {
      transcript_path: input.transcript_path ?? known?.transcript_path ?? null,
      pid: agent?.pid ?? known?.pid ?? null,
      process_start: agent ? agent.start : (known?.process_start ?? null),
      running: agent ? true : (known?.running ?? null),
    });
  }

  /** The session, unless it was deleted or has ended. */
  private live(sessionId: string | undefined): Session | undefined {
    if (sessionId === undefined) return undefined;
    try {
      const session = this.o.engine.getSessionById(sessionId);
      return session.state === "done" ? undefined : session;
    } catch {
      return undefined;
    }
  }

  private async prompted(session: Session, input: HookInput): Promise<void> {
    // Typed at the terminal during the turn's end: the held Stop lets go, and the agent takes
    // the typed prompt at once instead of after the wait.
    this.holds.get(session.id)?.abort();
    const prompt = input.prompt ?? "";
    if (prompt === "") return;
    await this.o.engine.noteInput(session.id, {
      text: prompt.slice(0, LIMITS.humanText),
      sender: TERMINAL,
    });
    // Named after its first prompt, like a session started from the web app.
    const current = this.o.engine.getSessionById(session.id);
    if (current.name === defaultName(agentOf(current), current.directory)) {
      const name = nameFromPrompt(prompt);
      if (name) await this.o.engine.renameSession(session.id, name);
    }
  }

  private async waiting(session: Session, why: string): Promise<void> {
    const current = this.o.engine.getSessionById(session.id);
    if (current.state === "awaiting_input" || current.state === "done") return;
    await this.o.engine.setState(session.id, "awaiting_input", why);
  }

  // ---------- permissions ----------

  private async permission(
    agent: HookAgent,
    session: Session,
    input: HookInput,
    signal: AbortSignal,
  ): Promise<HookOutput> {
    const tool = input.tool_name ?? "a tool";
    const approval = await this.o.approvals.ask(session.id, {
      title: describeTool(tool, input.tool_input),
      description: `${AGENT_NAMES[agent]} wants to use ${tool} (in a terminal; you can answer there too)`,
      options: [ALLOW, DENY, sessionRuleOption(tool)],
      tool_name: tool,
      tool_input: boundedInput(input.tool_input),
    });
    const settled =
      approval.status === "pending" ? await this.settle(agent, approval, signal) : approval;
    if (settled?.status !== "resolved" || !settled.decision) return CARRY_ON;
    const allow = settled.decision !== DENY;
    const decision = allow
      ? { behavior: "allow" }
      : {
          behavior: "deny",
          message: `Denied by ${settled.decided_by ?? "the user"} (through Tether)`,
        };
    return { hookSpecificOutput: { hookEventName: "PermissionRequest", decision } };
  }

  /** Waits for the approval's outcome, at most as long as the agent's prompt may wait; then it
   * is withdrawn and the terminal's own prompt has the say. */
  private async settle(
    agent: HookAgent,
    approval: Approval,
    signal: AbortSignal,
  ): Promise<Approval | undefined> {
    const waitS = this.o.waits?.permissionS?.[agent] ?? PERMISSION_WAIT_S[agent];
    const bounded = withTimeout(signal, waitS * 1000);
    const outcome = await this.o.approvals.settled(approval.id, bounded);
    if (outcome) return outcome.approval;
    const why = signal.aborted
      ? "the terminal stopped waiting"
      : `not answered within ${waitS} s; the terminal asks`;
    await this.o.approvals.withdraw(approval.id, why).catch(() => {
      // Answered meanwhile, or the session is gone.
    });
    return this.o.approvals.get(approval.id).catch(() => undefined);
  }

  /** The agent went on with a tool (or was refused it) without the hook's answer: the prompt
   * was answered at the terminal. */
  private async withdrawMatching(session: Session, input: HookInput): Promise<void> {
    const ran = sameCallKey(boundedInput(input.tool_input));
    const pending = await this.o.approvals.list({ status: "pending", sessionId: session.id });
    for (const approval of pending) {
      if (approval.tool_name !== input.tool_name) continue;
      if (sameCallKey(approval.tool_input) !== ran) continue;
      await this.o.approvals.withdraw(approval.id, ANSWERED_THERE).catch(() => {});
    }
  }

  private async withdrawAll(session: Session, why: string): Promise<void> {
    const pending = await this.o.approvals.list({ status: "pending", sessionId: session.id });
    for (const approval of pending) {
      await this.o.approvals.withdraw(approval.id, why).catch(() => {});
    }
  }

  private async toolDone(session: Session, input: HookInput): Promise<void> {
    const tool = input.tool_name ?? "tool";
    const failed = input.hook_event_name === "PostToolUseFailure";
    await this.o.engine.appendOutput(session.id, {
      text: describeTool(tool, input.tool_input),
      kind: "tool_call",
      metadata: boundedMetadata({ tool, tool_use_id: input.tool_use_id }),
    });
    const result = textOf(failed ? input.error : input.tool_response);
    if (result !== "") {
      await this.o.engine.appendOutput(session.id, {
        text: result.slice(0, LIMITS.outputText),
        kind: failed ? "error" : "tool_result",
        metadata: boundedMetadata({ tool, tool_use_id: input.tool_use_id }),
      });
    }
  }

  // ---------- the end of a turn ----------

  /** The turn is over: what the agent said last is shown, the session waits for its human, and
   * a reply from any door (queued before, or sent within the wait) is handed to the agent. */
  private async stopped(
    session: Session,
    input: HookInput,
    signal: AbortSignal,
  ): Promise<HookOutput> {
    await this.withdrawAll(session, ANSWERED_THERE);
    const said = input.last_assistant_message ?? "";
    if (said !== "" && !input.stop_hook_active) {
      await this.o.engine.appendOutput(session.id, {
        text: said.slice(0, LIMITS.outputText),
        kind: "text",
        metadata: {},
      });
    }
    await this.waiting(session, "turn finished in the terminal");
    const waitS = this.o.waits?.stopS ?? STOP_WAIT_S;
    const hold = new AbortController();
    this.holds.get(session.id)?.abort();
    this.holds.set(session.id, hold);
    let replies: Awaited<ReturnType<ReplyWaiter["next"]>>;
    try {
      replies = await this.o.replies.next(
        session.id,
        waitS * 1000,
        AbortSignal.any([signal, hold.signal]),
      );
    } finally {
      if (this.holds.get(session.id) === hold) this.holds.delete(session.id);
    }
    if (replies.length === 0 || hold.signal.aborted) return CARRY_ON;
    await this.o.engine.acknowledge(session.id, replies.at(-1)!.seq);
    await this.o.engine.setState(session.id, "running", "a reply through Tether");
    // The agent reads it as what its Stop hook says (Claude Code: "Stop hook blocking error
    // from command: …"), so it says plainly that this is the user speaking.
    return {
      decision: "block",
      reason: `${REPLY_PREFIX}${replies.map((r) => r.text).join("\n\n")}`,
    };
  }
}

function defaultName(agent: HookAgent, cwd: string | null): string {
  return cwd
    ? `${AGENT_NAMES[agent]} in ${basename(cwd) || cwd}`
    : `${AGENT_NAMES[agent]} in a terminal`;
}

function agentOf(session: Session): HookAgent {
  return session.kind === TERMINAL_KINDS.codex ? "codex" : "claude";
}

/** What tells one tool call from another: a command's text (Codex reports a command without
 * the description its permission request had), else the whole input. */
function sameCallKey(input: unknown): string {
  const command = (input as { command?: unknown } | null)?.command;
  return typeof command === "string" ? `command:${command}` : JSON.stringify(input ?? null);
}

/** A tool's input as an approval keeps it: whole up to the API's bound, else a note. */
function boundedInput(input: unknown): unknown {
  if (input === undefined) return null;
  return jsonLength(input) <= LIMITS.toolInput
    ? input
    : { truncated: `the input was ${jsonLength(input)} bytes of JSON; the terminal shows it` };
}

function boundedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined));
}

/** A tool's response or error as text for the timeline. */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  for (const key of ["stdout", "output", "content", "result"]) {
    if (typeof v[key] === "string" && v[key] !== "") {
      const stderr = typeof v.stderr === "string" && v.stderr !== "" ? `\n${v.stderr}` : "";
      return `${v[key] as string}${stderr}`;
    }
  }
  const json = JSON.stringify(value);
  return json.length > LIMITS.outputText ? `${json.slice(0, LIMITS.outputText - 1)}…` : json;
}
