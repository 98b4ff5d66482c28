// Tool permissions and questions as durable Tether approvals. The agent waits on a promise; the
// human answers from any surface; the answer reaches the waiting agent through the bus. Each
// permission offers "Allow <tool> for this session": the engine keeps that answer as a rule and
// answers later requests for the tool by it, so such a request comes back already resolved.
import type { Engine } from "../core/engine.js";
import { sessionRuleOption } from "../core/rules.js";
import type { StoredEvent } from "../core/store.js";
import type { Approval, ApprovalRequestBody } from "../shared/schemas.js";
import type { PermissionDecision, PermissionRequest, Question } from "./types.js";

export const ALLOW = "Allow";
export const DENY = "Deny";

interface Answer {
  option: string;
  decidedBy: string;
  message: string | undefined;
}

export class PermissionBroker {
  /** Agents waiting for an answer, by approval id; undefined settles a withdrawn one. */
  private readonly waiting = new Map<string, (answer: Answer | undefined) => void>();

  constructor(private readonly engine: Engine) {}

  async ask(
    sessionId: string,
    request: PermissionRequest,
    signal: AbortSignal,
  ): Promise<PermissionDecision> {
    const answer = await this.waitForAnswer(
      sessionId,
      {
        title: request.title,
        description: request.description,
        options: [ALLOW, DENY, sessionRuleOption(request.tool)],
        tool_name: request.tool,
        tool_input: request.input,
      },
      signal,
    );
    if (!answer) return { allow: false, message: "withdrawn" };
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

  private async waitForAnswer(
    sessionId: string,
    request: ApprovalRequestBody,
    signal: AbortSignal,
  ): Promise<Answer | undefined> {
    const approval = await this.engine.requestApproval(sessionId, request);
    // Answered by a session rule in the commit that recorded it: nobody is asked.
    if (approval.status === "resolved") return answerOf(approval);
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
}

function answerOf(approval: Approval): Answer {
  return {
    option: approval.decision ?? "",
    decidedBy: approval.decided_by ?? "a rule",
    message: undefined,
  };
}
