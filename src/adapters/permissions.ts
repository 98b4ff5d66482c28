// Tool permissions as durable Tether approvals. The agent waits on a promise; the human answers
// from any surface; the answer reaches the waiting agent through the bus. "Allow <tool> for this
// session" becomes a rule: later requests for that tool are approved by the rule, on the record.
import type { Engine } from "../core/engine.js";
import type { StoredEvent } from "../core/store.js";
import type { PermissionDecision, PermissionRequest } from "./types.js";

export const ALLOW = "Allow";
export const DENY = "Deny";
const sessionOption = (tool: string) => `Allow ${tool} for this session`;
const SESSION_RULE = /^Allow (.+) for this session$/;

export class PermissionBroker {
  private readonly waiting = new Map<string, (decision: PermissionDecision) => void>();
  /** Tools allowed for the rest of a session, per session; read from past answers on first use. */
  private readonly rules = new Map<string, Promise<Set<string>>>();

  constructor(private readonly engine: Engine) {}

  async ask(
    sessionId: string,
    request: PermissionRequest,
    signal: AbortSignal,
  ): Promise<PermissionDecision> {
    const forSession = sessionOption(request.tool);
    const approval = await this.engine.requestApproval(sessionId, {
      title: request.title,
      description: request.description,
      options: [ALLOW, DENY, forSession],
      tool_name: request.tool,
      tool_input: request.input,
    });
    if ((await this.rulesOf(sessionId)).has(request.tool)) {
      await this.engine.resolveApproval(approval.id, {
        option: forSession,
        decided_by: `rule: ${forSession.toLowerCase()}`,
      });
      return { allow: true };
    }
    // No answer can have come yet: the request was published just now, and an answer needs an
    // I/O turn of the event loop, which comes after this continuation.
    return new Promise<PermissionDecision>((resolve) => {
      const settle = (decision: PermissionDecision) => {
        this.waiting.delete(approval.id);
        signal.removeEventListener("abort", onAbort);
        resolve(decision);
      };
      const onAbort = () => {
        settle({ allow: false, message: "withdrawn" });
        this.engine.cancelApproval(approval.id, "the agent stopped waiting").catch(() => {
          // Already answered, or the session is gone: nothing left to withdraw.
        });
      };
      this.waiting.set(approval.id, settle);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
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
    const settle = this.waiting.get(data.request_id);
    if (!settle) return;
    const rule = SESSION_RULE.exec(data.option);
    if (rule?.[1]) void this.rulesOf(event.session_id).then((tools) => tools.add(rule[1]!));
    if (data.option === DENY) {
      settle({
        allow: false,
        message: data.message || `Denied by ${data.decided_by ?? "the user"}`,
      });
    } else {
      settle({ allow: true });
    }
  }

  /** Forgets a session's rules and stops its waiters (the session was deleted). */
  forget(sessionId: string): void {
    this.rules.delete(sessionId);
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
