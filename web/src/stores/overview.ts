// The overview: every session and every pending approval, kept live from the /api/stream SSE (a
// snapshot on each (re)connect, then state changes and approvals of all sessions). The Inbox, the
// session list and the tab bar's count all read it.
import { computed, reactive } from "vue";
import { api } from "../api/http.js";
import type { Approval, Session, TetherEvent } from "../api/types.js";
import { applyToSession } from "../session/apply-event.js";
import { ResumableSource } from "../stream/resumable-source.js";

/** An approval answered (or withdrawn) while this app watched: its card stays in the inbox a
 * little while, saying who answered, so an answer never just makes the card vanish. */
export interface Settled {
  approval: Approval;
  status: "resolved" | "cancelled";
  decision: string | null;
  decidedBy: string | null;
}

export const overview = reactive({
  loaded: false,
  sessions: {} as Record<string, Session>,
  approvals: {} as Record<string, Approval>,
  settled: {} as Record<string, Settled>,
});

/** How long an answered card stays, unless a test sets window.TETHER_SETTLED_MS. */
function settledMs(): number {
  const set = (globalThis as { TETHER_SETTLED_MS?: unknown }).TETHER_SETTLED_MS;
  return typeof set === "number" && set >= 0 ? set : 10_000;
}

function settle(approval: Approval, event: TetherEvent & { type: "approval_resolved" }): void {
  const { data } = event;
  overview.settled[approval.id] = {
    approval,
    // Stored before withdrawals were recorded with a status, a resolved one has none.
    status: data.status === "cancelled" ? "cancelled" : "resolved",
    decision: data.status === "cancelled" ? null : data.option,
    decidedBy: data.status === "cancelled" ? null : data.decided_by,
  };
  setTimeout(() => delete overview.settled[approval.id], settledMs());
}

/** Everything that waits for the human: each pending approval, and each session that waits for
 * their input or has failed. The tab bar's badge and the page title show it. */
export const needsYouCount = computed(() => {
  let n = Object.keys(overview.approvals).length;
  for (const session of Object.values(overview.sessions)) {
    if (session.state === "awaiting_input" || session.state === "error") n++;
  }
  return n;
});

/** A session this app deleted: the inbox stream says nothing of deletions, so it is dropped
 * here at once (another device's deletion shows at its next snapshot). */
export function forgetSession(id: string): void {
  delete overview.sessions[id];
  for (const approval of Object.values(overview.approvals)) {
    if (approval.session_id === id) delete overview.approvals[approval.id];
  }
}

interface Snapshot {
  sessions: Session[];
  approvals: Approval[];
}

function applySnapshot(snapshot: Snapshot): void {
  overview.sessions = Object.fromEntries(snapshot.sessions.map((s) => [s.id, s]));
  overview.approvals = Object.fromEntries(snapshot.approvals.map((a) => [a.id, a]));
  overview.loaded = true;
}

async function fetchSession(id: string): Promise<void> {
  try {
    overview.sessions[id] = await api<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`);
  } catch {
    // Deleted meanwhile, or the daemon went away: the next snapshot is the truth.
  }
}

function applyEvent(event: TetherEvent): void {
  const session = overview.sessions[event.session_id];
  if (!session) {
    void fetchSession(event.session_id);
  } else {
    session.updated_at = event.ts;
    session.last_seq = Math.max(session.last_seq, event.seq);
  }
  if (session) applyToSession(session, event);
  switch (event.type) {
    case "approval_request":
      // One a session rule answered is committed already resolved: it never waits for anyone.
      if (event.data.status === "pending") overview.approvals[event.data.id] = event.data;
      break;
    case "approval_resolved": {
      // Answered or withdrawn, it waits for nobody any more.
      const approval = overview.approvals[event.data.request_id];
      delete overview.approvals[event.data.request_id];
      if (approval) settle(approval, event);
      break;
    }
  }
}

let source: ResumableSource | undefined;

export function startOverview(): void {
  source ??= new ResumableSource({
    name: "overview",
    // Each connection starts with a snapshot, so there is nothing to resume from.
    url: () => "/api/stream",
    lastSeq: () => 0,
    onMessage: (data) => applyEvent(JSON.parse(data) as TetherEvent),
    named: { snapshot: (data) => applySnapshot(JSON.parse(data) as Snapshot) },
  });
  source.start();
}

export function stopOverview(): void {
  source?.stop();
  source = undefined;
}
