// One Codex session: one `codex app-server` process with one thread. Turns start on the human's
// messages; a message sent while a turn runs is steered into that turn (`turn/steer`), so the
// agent reads it at its next step instead of after it has finished.
import type { AgentHost, AgentRun, PermissionDecision } from "../types.js";
import { isApprovalMethod, toApproval } from "./approvals.js";
import { itemCompleted, itemStarted, type Output } from "./items.js";
import type { CodexProcess, Exit } from "./process.js";
import {
  ConfigWarning,
  ErrorNotification,
  type FileChange,
  Item,
  ItemNotification,
  ServerRequestResolved,
  TokenUsageNotification,
  type Turn,
  TurnNotification,
  TurnResult,
} from "./protocol.js";
import { METHOD_NOT_FOUND, type RequestId, RpcConnection, RpcReply } from "./rpc.js";

/** How long interrupt() waits for Codex to confirm the turn is over. */
const INTERRUPT_TIMEOUT_MS = 10_000;

interface PendingApproval {
  turnId: string;
  controller: AbortController;
}

export class CodexRun implements AgentRun {
  readonly rpc: RpcConnection;
  /** Set once the thread is started or resumed; notifications before that are not ours. */
  threadId: string | undefined;
  private activeTurn: string | undefined;
  private readonly finishedTurns = new Set<string>();
  /** Messages not yet handed to Codex. */
  private readonly queued: string[] = [];
  private pumping: Promise<void> | undefined;
  /** A `turn/start` in flight: its turn id is not known yet. */
  private starting: Promise<unknown> | undefined;
  private readonly approvals = new Map<RequestId, PendingApproval>();
  /** The changes of file-change items in flight: their approval requests name only the item. */
  private readonly fileChanges = new Map<string, FileChange[]>();
  private readonly turnWatchers = new Set<() => void>();
  /** Until start-up succeeds, a dying process is the adapter's start() error, not a failure. */
  private running = false;
  /** Problems Codex found in its configuration, for start-up errors and the session's log. */
  readonly configWarnings: string[] = [];
  private closing = false;
  private exit: Exit | undefined;

  constructor(
    private readonly host: AgentHost,
    readonly process: CodexProcess,
  ) {
    this.rpc = new RpcConnection(process.child.stdout, process.child.stdin, {
      notification: (method, params) => this.onNotification(method, params),
      request: (method, params, id) => this.onServerRequest(method, params, id),
    });
    void process.exited.then((exit) => this.onExit(exit));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Start-up is done: from now on, a dying process is reported to the host. */
  markRunning(threadId: string): void {
    this.threadId = threadId;
    this.running = true;
    for (const warning of this.configWarnings) {
      this.host.output("error", `Codex configuration: ${warning}`, { source: "codex_config" });
    }
  }

  get exited(): Exit | undefined {
    return this.exit;
  }

  send(text: string): void {
    if (this.exit || this.closing) {
      this.host.output("error", "Codex is not running; this message was not delivered.");
      return;
    }
    this.queued.push(text);
    this.kick();
  }

  private kick(): void {
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      // A message may have arrived after the loop's last look and before this line.
      if (this.queued.length > 0 && this.threadId && !this.exit && !this.closing) this.kick();
    });
  }

  async interrupt(): Promise<void> {
    // Messages not yet delivered belong to the work being stopped.
    this.queued.length = 0;
    await this.starting?.catch(() => {});
    const turnId = this.activeTurn;
    if (!turnId || !this.threadId || this.exit) return;
    try {
      await this.rpc.request(
        "turn/interrupt",
        { threadId: this.threadId, turnId },
        { timeoutMs: INTERRUPT_TIMEOUT_MS },
      );
    } catch {
      // The turn ended on its own meanwhile; turn/completed tells the host either way.
    }
    await this.turnGone(turnId, INTERRUPT_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queued.length = 0;
    this.withdrawApprovals(() => true);
    await this.process.stop();
  }

  // ---- turns --------------------------------------------------------------------------------

  /** Hands queued messages to Codex one request at a time, so steer and start never race. */
  private async pump(): Promise<void> {
    while (this.queued.length > 0 && !this.exit && !this.closing && this.threadId) {
      const texts = this.queued.splice(0);
      const input = texts.map((text) => ({ type: "text", text, text_elements: [] }));
      const turnId = this.activeTurn;
      if (turnId === undefined) {
        this.host.turnStarted();
        try {
          const starting = this.rpc.request(
            "turn/start",
            { threadId: this.threadId, input },
            { parse: (r) => TurnResult.parse(r) },
          );
          this.starting = starting;
          const { turn } = await starting;
          this.onTurnStarted(turn);
        } catch (error) {
          if (!this.exit) this.host.failed(`Codex could not start a turn: ${messageOf(error)}`);
          return;
        } finally {
          this.starting = undefined;
        }
        continue;
      }
      try {
        await this.rpc.request("turn/steer", {
          threadId: this.threadId,
          input,
          expectedTurnId: turnId,
        });
      } catch {
        // The turn ended between our look and Codex's ("no active turn to steer"): these
        // messages start the next turn once Codex has reported the end of this one.
        this.queued.unshift(...texts);
        await this.turnGone(turnId);
      }
    }
  }

  private onTurnStarted(turn: Turn): void {
    if (!this.finishedTurns.has(turn.id)) this.activeTurn = turn.id;
  }

  private onTurnCompleted(turn: Turn): void {
    if (this.finishedTurns.has(turn.id)) return;
    this.finishedTurns.add(turn.id);
    if (this.activeTurn === turn.id) this.activeTurn = undefined;
    this.withdrawApprovals((approval) => approval.turnId === turn.id);
    this.fileChanges.clear();
    if (turn.status === "failed") {
      this.host.failed(turn.error?.message ?? "Codex reported that the turn failed");
    } else {
      // "completed" or "interrupted": either way the agent waits for the human.
      this.host.turnEnded();
    }
    for (const watcher of this.turnWatchers) watcher();
  }

  /** Resolves once `turnId` is no longer the active turn (or the process is gone). */
  private turnGone(turnId: string, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.activeTurn === turnId && !this.exit) return;
        this.turnWatchers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.turnWatchers.delete(check);
              resolve();
            }, timeoutMs);
      this.turnWatchers.add(check);
      check();
    });
  }

  // ---- what Codex tells us ------------------------------------------------------------------

  private onNotification(method: string, params: unknown): void {
    if (method === "configWarning") {
      const parsed = ConfigWarning.safeParse(params);
      // Warnings with details point into the user's config (e.g. a TOML error, after which Codex
      // runs on defaults); the rest is environment noise such as "bubblewrap not on PATH".
      if (parsed.success && parsed.data.details) {
        this.configWarnings.push(`${parsed.data.summary} ${parsed.data.details}`);
      }
      return;
    }
    // Sub-agents run their own threads through the same process; only ours is this session's.
    const thread = (params as { threadId?: unknown } | undefined)?.threadId;
    if (this.threadId === undefined || (typeof thread === "string" && thread !== this.threadId)) {
      return;
    }
    switch (method) {
      case "turn/started": {
        const parsed = TurnNotification.safeParse(params);
        if (parsed.success) this.onTurnStarted(parsed.data.turn);
        return;
      }
      case "turn/completed": {
        const parsed = TurnNotification.safeParse(params);
        if (parsed.success) this.onTurnCompleted(parsed.data.turn);
        return;
      }
      case "item/started":
      case "item/completed":
        this.onItem(method, params);
        return;
      case "error": {
        const parsed = ErrorNotification.safeParse(params);
        if (parsed.success) {
          const { error, willRetry } = parsed.data;
          this.host.output("error", error.message, { will_retry: willRetry });
        }
        return;
      }
      case "thread/tokenUsage/updated": {
        const parsed = TokenUsageNotification.safeParse(params);
        if (!parsed.success) return;
        const { total } = parsed.data.tokenUsage;
        // Codex reports tokens, not money (a ChatGPT plan has no per-token price).
        this.host.usage({
          input_tokens: total.inputTokens,
          output_tokens: total.outputTokens,
          cost_usd: 0,
        });
        return;
      }
      case "serverRequest/resolved": {
        const parsed = ServerRequestResolved.safeParse(params);
        if (parsed.success) this.approvals.get(parsed.data.requestId)?.controller.abort();
        return;
      }
      default:
      // Deltas, status changes, diffs, warnings…: whole items and turn ends say enough.
    }
  }

  private onItem(method: "item/started" | "item/completed", params: unknown): void {
    const envelope = ItemNotification.safeParse(params);
    if (!envelope.success) return;
    const parsed = Item.safeParse(envelope.data.item);
    // Item types we do not render (user messages, plans, web searches…) are skipped.
    if (!parsed.success) return;
    const item = parsed.data;
    let output: Output | undefined;
    if (method === "item/started") {
      if (item.type === "fileChange") this.fileChanges.set(item.id, item.changes);
      output = itemStarted(item);
    } else {
      this.fileChanges.delete(item.id);
      output = itemCompleted(item);
    }
    if (output) this.host.output(output.kind, output.text, output.metadata);
  }

  private async onServerRequest(method: string, params: unknown, id: RequestId): Promise<unknown> {
    if (!isApprovalMethod(method)) {
      // Never leave Codex waiting: an error answer lets it carry on without us.
      throw new RpcReply(METHOD_NOT_FOUND, `Tether does not support ${method}`);
    }
    const approval = toApproval(method, params, this.fileChanges);
    const controller = new AbortController();
    this.approvals.set(id, { turnId: approval.turnId, controller });
    try {
      const decision = await askUntilAborted(this.host, approval.request, controller.signal);
      return approval.answer(decision);
    } finally {
      this.approvals.delete(id);
    }
  }

  private withdrawApprovals(which: (approval: PendingApproval) => boolean): void {
    for (const approval of this.approvals.values()) {
      if (which(approval)) approval.controller.abort();
    }
  }

  private onExit(exit: Exit): void {
    this.exit = exit;
    this.rpc.close(new Error(`Codex exited (${describeExit(exit)})`));
    this.withdrawApprovals(() => true);
    for (const watcher of this.turnWatchers) watcher();
    if (this.running && !this.closing) {
      const stderr = this.process.lastStderrLine();
      this.host.failed(
        `Codex exited unexpectedly (${describeExit(exit)})${stderr ? `: ${stderr}` : ""}`,
      );
    }
  }
}

/** The host's answer, or a decline once the request stops mattering: a withdrawn approval must
 * not keep this promise (and Codex's request) open. */
async function askUntilAborted(
  host: AgentHost,
  request: Parameters<AgentHost["askPermission"]>[0],
  signal: AbortSignal,
): Promise<PermissionDecision> {
  const withdrawn: PermissionDecision = { allow: false, message: "The request was withdrawn." };
  if (signal.aborted) return withdrawn;
  const aborted = new Promise<PermissionDecision>((resolve) =>
    signal.addEventListener("abort", () => resolve(withdrawn), { once: true }),
  );
  try {
    return await Promise.race([host.askPermission(request, signal), aborted]);
  } catch {
    // The host failed to ask (or rejected on abort): not asking means not allowed.
    return withdrawn;
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
