// Every session and every pending approval, kept live from the /api/stream SSE: a snapshot on
// each (re)connect, then state changes and approvals of all sessions.
import { reactive } from "vue";
import { api } from "../api/http.js";
import type { Approval, Session, TetherEvent } from "../api/types.js";
import { ResumableSource } from "../stream/resumable-source.js";

export const inbox = reactive({
  loaded: false,
  sessions: {} as Record<string, Session>,
  approvals: {} as Record<string, Approval>,
});

interface Snapshot {
  sessions: Session[];
  approvals: Approval[];
}

function applySnapshot(snapshot: Snapshot): void {
  inbox.sessions = Object.fromEntries(snapshot.sessions.map((s) => [s.id, s]));
  inbox.approvals = Object.fromEntries(snapshot.approvals.map((a) => [a.id, a]));
  inbox.loaded = true;
}

async function fetchSession(id: string): Promise<void> {
  try {
    inbox.sessions[id] = await api<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`);
  } catch {
    // Deleted meanwhile, or the daemon went away: the next snapshot is the truth.
  }
}

function applyEvent(event: TetherEvent): void {
  const session = inbox.sessions[event.session_id];
  if (!session) {
    void fetchSession(event.session_id);
  } else {
    session.updated_at = event.ts;
    session.last_seq = Math.max(session.last_seq, event.seq);
  }
  const data = event.data;
  switch (event.type) {
    case "state":
      if (session) session.state = data.to as Session["state"];
      break;
    case "renamed":
      if (session) session.name = String(data.to);
      break;
    case "approval_request":
      inbox.approvals[String(data.id)] = data as unknown as Approval;
      break;
    case "approval_resolved":
      delete inbox.approvals[String(data.request_id)];
      break;
  }
}

let source: ResumableSource | undefined;

export function startInbox(): void {
  source ??= new ResumableSource({
    name: "inbox",
    // Each connection starts with a snapshot, so there is nothing to resume from.
    url: () => "/api/stream",
    lastSeq: () => 0,
    onMessage: (data) => applyEvent(JSON.parse(data) as TetherEvent),
    named: { snapshot: (data) => applySnapshot(JSON.parse(data) as Snapshot) },
  });
  source.start();
}

export function stopInbox(): void {
  source?.stop();
  source = undefined;
}
