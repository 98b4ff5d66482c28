// Tool permissions and questions as durable Tether approvals. The agent waits on a promise; the
// human answers from any surface; the answer reaches the waiting agent through the bus. "Allow
// <tool> for this session" becomes a rule: later requests for that tool are approved by the
// rule, on the record.
import type { Engine } from "../core/engine.js";
import type { StoredEvent } from "../core/store.js";
import type { ApprovalRequestBody } from "../shared/schemas.js";
import type { PermissionDecision, PermissionRequest, Question } from "./types.js";

export const ALLOW = "Allow";
export const DENY = "Deny";
const sessionOption = (tool: string) => `Allow ${tool} for this session`;
const SESSION_RULE = /^Allow (.+) for this session$/;

interface Answer {
  option: string;
  decidedBy: string;
  message: string | undefined;
}

export class PermissionBroker {
  /** Agents waiting for an answer, by approval id; undefined settles a withdrawn one. */
  private readonly waiting = new Map<string, (answer: Answer | undefined) => void>();
  /** Tools allowed for the rest of a session, per session; read from past answers on first use. */
  private readonly rules = new Map<string, Promise<Set<string>>>();

  constructor(private readonly engine: Engine) {}

  async ask(
    sessionId: string,
    request: PermissionRequest,
    signal: AbortSignal,
  ): Promise<PermissionDecision> {
    const forSession = sessionOption(request.tool);
    const rules = await this.rulesOf(sessionId);
    const approvalRequest = {
      title: request.title,
      description: request.description,
      options: [ALLOW, DENY, forSession],
      tool_name: request.tool,
      tool_input: request.input,
    };
    if (rules.has(request.tool)) {
      const approval = await this.engine.requestApproval(sessionId, approvalRequest);
      await this.engine.resolveApproval(approval.id, {
        option: forSession,
        decided_by: `rule: ${forSession.toLowerCase()}`,
      });
      return { allow: true };
    }
    const answer = await this.waitForAnswer(sessionId, approvalRequest, signal);
    if (!answer) return { allow: false, message: "withdrawn" };
    const rule = SESSION_RULE.exec(answer.option)?.[1];
    if (rule) rules.add(rule);
    if (answer.option === DENY) {
      return { allow: false, message: answer.message || `Denied by ${answer.decidedBy}` };
    }
    return { allow: true };
  }

  async askQuestion(
    sessionId: string,
    question: Question,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const answer = await this.waitForAnswer(
      sessionId,
      {
        title: question.title,
        description: question.description,
        options: question.options,
        tool_name: null,
        tool_input: null,
      },
      signal,
    );
    return answer?.option;
  }

  /** Hands a human's answer (an `approval_resolved` event) to the agent waiting for it. */
  answered(event: StoredEvent): void {
    const data = event.data as {
      request_id?: string;
      option?: string;
      decided_by?: string;
      message?: string;
      status?: string;
    };
    if (data.status === "cancelled" || !data.request_id || !data.option) return;
    this.waiting.get(data.request_id)?.({
      option: data.option,
      decidedBy: data.decided_by ?? "the user",
      message: data.message,
    });
  }

  /** Forgets a session's rules (the session was deleted). */
  forget(sessionId: string): void {
    this.rules.delete(sessionId);
  }

  private async waitForAnswer(
    sessionId: string,
    request: ApprovalRequestBody,
    signal: AbortSignal,
  ): Promise<Answer | undefined> {
    const approval = await this.engine.requestApproval(sessionId, request);
    // No answer can have come yet: the request was published just now, and an answer needs an
    // I/O turn of the event loop, which comes after this continuation.
    return new Promise<Answer | undefined>((resolve) => {
      const settle = (answer: Answer | undefined) => {
        this.waiting.delete(approval.id);
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      const onAbort = () => {
        settle(undefined);
        this.engine.cancelApproval(approval.id, "the agent stopped waiting").catch(() => {
          // Already answered, or the session is gone: nothing left to withdraw.
        });
      };
      this.waiting.set(approval.id, settle);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private rulesOf(sessionId: string): Promise<Set<string>> {
    let rules = this.rules.get(sessionId);
    if (!rules) {
      rules = this.engine
        .listApprovals({ status: "resolved", sessionId })
        .then(
          (answered) =>
            new Set(
              answered.flatMap((a) =>
                a.tool_name && a.decision === sessionOption(a.tool_name) ? [a.tool_name] : [],
              ),
            ),
        );
      this.rules.set(sessionId, rules);
    }
    return rules;
  }
}
