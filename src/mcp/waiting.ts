// Waiting for the human on behalf of an MCP tool call: an approval's decision, or the next input.
import type { TetherClient } from "../client/api.js";
import type { AgentMessage, Approval } from "../shared/schemas.js";

/** Longest single long poll: below undici's 300 s headers timeout, so fetch never gives up
 * before the daemon answers 204. */
const LONG_POLL_MAX_S = 120;

/** The approval once it is no longer pending, or still pending when `timeoutS` ran out. Waits on
 * the daemon's long poll (GET /api/approvals/:id?wait=), which answers the moment it is decided;
 * human input that arrives meanwhile stays in the queue for wait_for_input. */
export async function awaitDecision(
  client: TetherClient,
  approvalId: string,
  timeoutS: number,
  signal?: AbortSignal,
): Promise<Approval> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const left = (deadline - Date.now()) / 1000;
    let approval: Approval;
    try {
      approval = await client.getApproval(
        approvalId,
        Math.max(0, Math.min(left, LONG_POLL_MAX_S)),
        signal,
      );
    } catch (error) {
      // The caller gave up: tell it where the approval stands now.
      if (signal?.aborted) return client.getApproval(approvalId);
      throw error;
    }
    if (approval.status !== "pending" || left <= 0 || signal?.aborted) return approval;
  }
}

/** The next human input or interrupt for the session, or undefined after `timeoutS`. Approval
 * decisions in the queue were already returned by request_approval, so they are passed over. */
export async function awaitInput(
  client: TetherClient,
  sessionId: string,
  timeoutS: number,
  signal?: AbortSignal,
): Promise<Exclude<AgentMessage, { type: "approval_response" }> | undefined> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    const message = await client.nextAgentMessage(
      sessionId,
      Math.min(left, LONG_POLL_MAX_S),
      signal,
    );
    if (message && message.type !== "approval_response") return message;
    if (signal?.aborted || (!message && Date.now() >= deadline)) return undefined;
  }
}
