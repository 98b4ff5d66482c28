// The inbox: the human's feed across every session (what needs them, what changed), as the
// /api/stream and /api/ws doors serve it and the web app's Inbox shows it.
import type { Engine } from "../core/engine.js";

/** What the inbox follows across all sessions: state changes and approvals. */
export const INBOX_TYPES: ReadonlySet<string> = new Set([
  "state",
  "approval_request",
  "approval_resolved",
  "renamed",
]);

/** The snapshot carries at most this many pending approvals, the newest; the rest are paged
 * through GET /api/approvals. Each is bounded (see LIMITS), so the snapshot is too. */
export const SNAPSHOT_APPROVALS = 1000;

/** The inbox as it is now: every session and the newest pending approvals, with how many are
 * pending in all. A reconnecting inbox client starts from this instead of replaying history. */
export async function inboxSnapshot(engine: Engine) {
  return {
    sessions: engine.listSessions(),
    approvals: await engine.approvals.list({ status: "pending", limit: SNAPSHOT_APPROVALS }),
    pending_approvals: engine.approvals.pendingCount,
  };
}
