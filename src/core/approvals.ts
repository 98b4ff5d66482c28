// Asking a human: the one way every door does it. An agent's request becomes an approval (ask);
// the first answer from any door wins (resolve: compare-and-set, later ones get a conflict naming
// the winner); a request nobody needs any more is withdrawn (withdraw). Whoever waits for the
// outcome (the adapters' permission broker, a terminal hook, a long poll) waits on `settled`,
// which is handed the approval itself once its outcome is on disk: no bus, no untyped payload.
//
// Session rules live here too: an answer "Allow <tool> for this session" is stored as a rule in
// the answer's commit, and a later request the rule covers is answered by it in the request's
// own commit, so it is never pending for anyone to see.
import {
  type Approval,
  type ApprovalRequestBody,
  DEFAULT_APPROVAL_OPTIONS,
  type Session,
} from "../shared/schemas.js";
import { type Actor, actorLabel } from "./actor.js";
import { approvalNotFound, TetherError } from "./errors.js";
import { newId } from "./ids.js";
import type { Ledger, SessionWrite } from "./ledger.js";
import { type Rule, RuleBook, ruleToolOf, sessionRuleOption } from "./rules.js";
import { type ApprovalQuery, newestFirst, type Store } from "./store.js";

/** A human's answer, as the door that took it knows it. */
export interface Answer {
  option: string;
  actor: Actor;
  /** Sent back to the agent with the decision, e.g. why a tool use was denied. */
  message?: string | undefined;
}

/** What a waiter is handed: the approval once resolved or withdrawn, and what was said with
 * the answer. */
export interface Outcome {
  approval: Approval;
  message: string | undefined;
}

/** A request to ask: the External API's body; Tether's own doors (the adapters) mark no option
 * risky, so they may leave risky_options out. */
export type AskRequest = Omit<ApprovalRequestBody, "risky_options"> &
  Partial<Pick<ApprovalRequestBody, "risky_options">>;

type Settle = (outcome: Outcome | undefined) => void;

export class Approvals {
  /** Pending approvals, and decided ones until their outcome is committed. */
  private readonly open = new Map<string, Approval>();
  /** Every session's rules, as on disk plus those staged. */
  private readonly rules = new RuleBook();
  /** Who waits for which approval's outcome. */
  private readonly waiters = new Map<string, Set<Settle>>();

  constructor(
    private readonly ledger: Ledger,
    private readonly store: Pick<Store, "getApproval" | "listApprovals">,
  ) {}

  /** Takes the disk's word: the pending approvals and the rules, as loaded. */
  load(pending: readonly Approval[], rules: readonly Rule[]): void {
    this.open.clear();
    this.rules.clear();
    for (const a of pending) this.open.set(a.id, a);
    for (const r of rules) this.rules.add(r);
  }

  get pendingCount(): number {
    let n = 0;
    for (const a of this.open.values()) if (a.status === "pending") n++;
    return n;
  }

  async get(id: string): Promise<Approval> {
    const approval = this.open.get(id) ?? (await this.store.getApproval(id));
    if (!approval) throw approvalNotFound(id);
    return approval;
  }

  /** Approvals newest first (created_at, then id): pending ones from memory, others from the
   * disk; all of them unless `limit` is given, older than `before` when it is. A session may be
   * named by a unique prefix of its id. */
  async list(query: ApprovalQuery): Promise<Approval[]> {
    const sessionId =
      query.sessionId === undefined ? undefined : this.ledger.getSession(query.sessionId).id;
    if (query.status !== "pending") return this.store.listApprovals({ ...query, sessionId });
    const { before } = query;
    const out: Approval[] = [];
    for (const a of this.open.values()) {
      if (a.status !== "pending") continue;
      if (sessionId !== undefined && a.session_id !== sessionId) continue;
      if (before !== undefined && newestFirst(a, before) <= 0) continue;
      out.push(a);
    }
    out.sort(newestFirst);
    return query.limit === undefined ? out : out.slice(0, query.limit);
  }

  /** Records a request for the human; when a rule of the session covers it, answers it by that
   * rule in the same commit, so it is never pending: the approval comes back resolved. */
  async ask(sessionId: string, request: AskRequest): Promise<Approval> {
    const session = this.ledger.live(sessionId);
    const approval: Approval = {
      id: newId("apr"),
      session_id: session.id,
      seq: 0,
      title: request.title,
      description: request.description,
      options: request.options.length > 0 ? request.options : DEFAULT_APPROVAL_OPTIONS,
      risky_options: [...new Set(request.risky_options ?? [])],
      tool_name: request.tool_name,
      tool_input: request.tool_input ?? null,
      status: "pending",
      decision: null,
      decided_by: null,
      created_at: this.ledger.timestamp(),
      resolved_at: null,
    };
    const rule = this.ruleFor(approval);
    if (rule) {
      approval.status = "resolved";
      approval.decision = sessionRuleOption(rule.tool);
      approval.decided_by = actorLabel({ kind: "rule", id: rule.id });
      approval.resolved_at = approval.created_at;
    }
    this.open.set(approval.id, approval);
    try {
      await this.ledger.stage(
        session,
        (write) => {
          approval.seq = session.last_seq + 1;
          write.saveApproval(approval);
          write.emit("approval_request", { ...approval });
          write.startedBy("approval request");
          if (rule) this.recordDecision(write, session, approval, undefined);
        },
        () => this.open.delete(approval.id),
      );
    } finally {
      // Answered by a rule: it was open only so that it could be read before its commit.
      if (rule) this.open.delete(approval.id);
    }
    return approval;
  }

  /** Compare-and-set: the first answer wins; every later one gets a conflict naming the winner. */
  async resolve(approvalId: string, answer: Answer): Promise<Approval> {
    const approval = await this.get(approvalId);
    if (approval.status !== "pending") throw alreadyDecided(approval);
    if (!approval.options.includes(answer.option)) {
      throw new TetherError(
        "bad_request",
        `"${answer.option}" is not an option of approval ${approval.id}; choose one of: ${approval.options.join(", ")}`,
        { details: { options: approval.options } },
      );
    }
    const session = this.ledger.getSession(approval.session_id);
    const decidedBy = actorLabel(answer.actor);
    const timestamp = this.ledger.timestamp();
    approval.status = "resolved";
    approval.decision = answer.option;
    approval.decided_by = decidedBy;
    approval.resolved_at = timestamp;
    const rule = this.ruleMadeBy(approval, answer.option, decidedBy, timestamp);
    await this.settleWith(
      approval,
      session,
      (write) => {
        this.recordDecision(write, session, approval, answer.message);
        if (rule) {
          // In the commit of the answer that chose it: the rule exists exactly when the answer
          // does.
          write.addRule(rule);
          this.rules.add(rule);
        }
      },
      () => {
        if (rule) this.rules.remove(rule);
      },
    );
    this.wake(approval.id, { approval, message: answer.message });
    return approval;
  }

  /** Withdraws a pending approval nobody needs any more (the agent stopped waiting). */
  async withdraw(approvalId: string, reason: string): Promise<void> {
    const approval = this.open.get(approvalId);
    if (approval?.status !== "pending") return;
    const session = this.ledger.getSession(approval.session_id);
    approval.status = "cancelled";
    approval.resolved_at = this.ledger.timestamp();
    await this.settleWith(approval, session, (write) => {
      write.saveApproval(approval);
      write.emit("approval_resolved", {
        status: "cancelled",
        request_id: approval.id,
        reason,
        timestamp: approval.resolved_at ?? "",
      });
    });
    this.wake(approval.id, { approval, message: undefined });
  }

  /**
   * The approval's outcome once it is on disk: resolved (by a human or a rule) or withdrawn.
   * Undefined when `signal` aborts first, or the session is deleted.
   */
  async settled(approvalId: string, signal?: AbortSignal): Promise<Outcome | undefined> {
    if (!this.open.has(approvalId)) {
      const approval = await this.get(approvalId);
      if (approval.status !== "pending") return { approval, message: undefined };
    }
    if (signal?.aborted) return undefined;
    return new Promise<Outcome | undefined>((resolve) => {
      let set = this.waiters.get(approvalId);
      if (!set) {
        set = new Set();
        this.waiters.set(approvalId, set);
      }
      const waiters = set;
      const onAbort = () => settle(undefined);
      const settle: Settle = (outcome) => {
        waiters.delete(settle);
        if (waiters.size === 0 && this.waiters.get(approvalId) === waiters) {
          this.waiters.delete(approvalId);
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      waiters.add(settle);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The session is gone: so are its approvals and rules, and nobody waits for them. */
  forgetSession(sessionId: string): void {
    for (const [id, a] of this.open) {
      if (a.session_id !== sessionId) continue;
      this.open.delete(id);
      this.wake(id, undefined);
    }
    this.rules.forgetSession(sessionId);
  }

  /** Records a decided approval: its row, the `approval_resolved` event every viewer sees, and,
   * for an agent that reads its queue (the External API), the decision in its queue. An agent
   * Tether runs itself is handed the decision by `settled` instead. */
  private recordDecision(
    write: SessionWrite,
    session: Session,
    approval: Approval,
    message: string | undefined,
  ): void {
    write.saveApproval(approval);
    const response = {
      request_id: approval.id,
      option: approval.decision ?? "",
      decided_by: approval.decided_by ?? "",
      timestamp: approval.resolved_at ?? "",
      ...(message ? { message } : {}),
    };
    const event = write.emit("approval_resolved", { status: "resolved", ...response });
    if (this.ledger.readsQueue(session)) {
      write.queue({ type: "approval_response", seq: event.seq, data: response });
    }
  }

  /** Stages the outcome of an open approval; once staged it is no longer open (or, if the commit
   * failed, memory is reloaded from the disk). A change that cannot be staged undoes it. */
  private async settleWith(
    approval: Approval,
    session: Session,
    change: (write: SessionWrite) => void,
    undo?: () => void,
  ): Promise<void> {
    let undone = false;
    try {
      await this.ledger.stage(session, change, () => {
        undone = true;
        Object.assign(approval, UNDECIDED);
        undo?.();
      });
    } finally {
      if (!undone) this.open.delete(approval.id);
    }
  }

  private wake(approvalId: string, outcome: Outcome | undefined): void {
    const waiters = this.waiters.get(approvalId);
    if (!waiters) return;
    this.waiters.delete(approvalId);
    for (const settle of waiters) settle(outcome);
  }

  /** The session rule that answers `approval`, if one does: a rule for its tool, offered as an
   * option of the request (so the decision is one the requester knows). */
  private ruleFor(approval: Approval): Rule | undefined {
    if (approval.tool_name === null) return undefined;
    const rule = this.rules.find(approval.session_id, approval.tool_name);
    return rule && approval.options.includes(sessionRuleOption(rule.tool)) ? rule : undefined;
  }

  /** The rule a just-resolved approval makes: its answer allowed its tool for the rest of the
   * session, and the session has no rule for that tool yet. */
  private ruleMadeBy(
    approval: Approval,
    option: string,
    decidedBy: string,
    at: string,
  ): Rule | undefined {
    const tool = ruleToolOf(approval.tool_name, option);
    if (tool === undefined || this.rules.find(approval.session_id, tool)) return undefined;
    return {
      id: newId("rule"),
      session_id: approval.session_id,
      tool,
      decision: "allow",
      created_at: at,
      created_by: decidedBy,
      source_approval_id: approval.id,
    };
  }
}

function alreadyDecided(approval: Approval): TetherError {
  return new TetherError(
    "approval_already_resolved",
    `approval ${approval.id} was already ${approval.status}` +
      (approval.decided_by ? ` by ${approval.decided_by} (${approval.decision})` : ""),
    {
      details: {
        status: approval.status,
        decision: approval.decision,
        decided_by: approval.decided_by,
        resolved_at: approval.resolved_at,
      },
    },
  );
}

const UNDECIDED = {
  status: "pending",
  decision: null,
  decided_by: null,
  resolved_at: null,
} as const;
