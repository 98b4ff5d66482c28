// One session's events, followed live over /api/sessions/:id/stream and resumed by seq after any
// drop. Events are kept once each, in seq order; approvals are folded into their current state so
// a card shows "answered by X" whichever door the answer came through.
import { reactive } from "vue";
import { api } from "../api/http.js";
import type { Approval, Session, TetherEvent, Usage } from "../api/types.js";
import { ResumableSource } from "../stream/resumable-source.js";

export interface ApprovalView {
  approval: Approval;
  /** "cancelled" approvals are hidden: nobody needs to answer them any more. */
  status: Approval["status"];
  decision: string | null;
  decidedBy: string | null;
}

export interface SessionStream {
  session: Session | null;
  error: string | null;
  events: TetherEvent[];
  approvals: Record<string, ApprovalView>;
  usage: Usage | null;
  lastSeq: number;
}

export function followSession(id: string): { state: SessionStream; stop(): void } {
  const state = reactive<SessionStream>({
    session: null,
    error: null,
    events: [],
    approvals: {},
    usage: null,
    lastSeq: 0,
  });

  const apply = (event: TetherEvent) => {
    // A replay after a reconnect can overlap what arrived live: each seq is shown once.
    if (event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    state.events.push(event);
    switch (event.type) {
      case "approval_request": {
        const approval = event.data;
        // A request a session rule answered is committed already resolved: never show it pending.
        state.approvals[approval.id] = {
          approval,
          status: approval.status,
          decision: approval.decision,
          decidedBy: approval.decided_by,
        };
        break;
      }
      case "approval_resolved": {
        const resolution = event.data;
        const view = state.approvals[resolution.request_id];
        if (!view) break;
        // Withdrawn, or else answered: events stored before resolutions carried a status have
        // none, and all of those were answers.
        if (resolution.status === "cancelled") {
          view.status = "cancelled";
          view.decision = null;
          view.decidedBy = null;
        } else {
          view.status = "resolved";
          view.decision = resolution.option;
          view.decidedBy = resolution.decided_by;
        }
        break;
      }
      case "state":
        if (state.session) state.session.state = event.data.to;
        break;
      case "renamed":
        if (state.session) state.session.name = event.data.to;
        break;
      case "usage":
        state.usage = event.data.total;
        break;
    }
  };

  api<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`).then(
    (session) => {
      state.session = session;
      state.usage ??= session.usage;
    },
    (error: unknown) => {
      state.error = (error as Error).message;
    },
  );

  const source = new ResumableSource({
    name: `session:${id}`,
    url: (lastSeq) => `/api/sessions/${encodeURIComponent(id)}/stream?since_seq=${lastSeq}`,
    lastSeq: () => state.lastSeq,
    onMessage: (data) => apply(JSON.parse(data) as TetherEvent),
  });
  source.start();
  return { state, stop: () => source.stop() };
}
