import type { Engine } from "../core/engine.js";

/** What the inbox follows across all sessions: state changes and approvals. */
export const INBOX_TYPES: ReadonlySet<string> = new Set([
  "state",
  "approval_request",
  "approval_resolved",
  "renamed",
]);

/** The inbox as it is now: every session and every pending approval. A reconnecting inbox
 * client starts from this instead of replaying history. */
export async function inboxSnapshot(engine: Engine) {
  return {
    sessions: engine.listSessions(),
    approvals: await engine.listApprovals({ status: "pending" }),
  };
}
