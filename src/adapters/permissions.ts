// Tool permissions and questions as durable Tether approvals, asked through core/approvals.ts
// like every other door's. The agent waits on the approval's outcome, handed over once it is on
// disk; an agent that stops waiting withdraws it. Each permission offers "Allow <tool> for this
// session": the answer is kept as a rule, and a later request it covers comes back resolved.
import type { Approvals, AskRequest, Outcome } from "../core/approvals.js";
import { sessionRuleOption } from "../core/rules.js";
import type { PermissionDecision, PermissionRequest, Question } from "./types.js";

export const ALLOW = "Allow";
export const DENY = "Deny";

export class PermissionBroker {
  constructor(private readonly approvals: Approvals) {}

  async ask(
    sessionId: string,
    request: PermissionRequest,
    signal: AbortSignal,
  ): Promise<PermissionDecision> {
    const outcome = await this.waitForOutcome(
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
    const decision = outcome?.approval.decision;
    if (outcome?.approval.status !== "resolved" || !decision) {
      return { allow: false, message: "withdrawn" };
    }
    if (decision === DENY) {
      return {
        allow: false,
        message: outcome.message || `Denied by ${outcome.approval.decided_by ?? "the user"}`,
      };
    }
    return { allow: true };
  }

  async askQuestion(
    sessionId: string,
    question: Question,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const outcome = await this.waitForOutcome(
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
    return outcome?.approval.status === "resolved"
      ? (outcome.approval.decision ?? undefined)
      : undefined;
  }

  /** Asks, then waits for the outcome; an abort withdraws the approval and gives undefined. */
  private async waitForOutcome(
    sessionId: string,
    request: AskRequest,
    signal: AbortSignal,
  ): Promise<Outcome | undefined> {
    const approval = await this.approvals.ask(sessionId, request);
    // Answered by a session rule in the commit that recorded it: nobody is asked.
    if (approval.status !== "pending") return { approval, message: undefined };
    const outcome = await this.approvals.settled(approval.id, signal);
    if (!outcome && signal.aborted) {
      await this.approvals.withdraw(approval.id, "the agent stopped waiting").catch(() => {
        // Already answered, or the session is gone: nothing left to withdraw.
      });
    }
    return outcome;
  }
}
