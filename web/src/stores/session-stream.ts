// One session, as its page shows it: the session itself, the newest part of its history followed
// live over /api/sessions/:id/stream (resumed by seq after any drop, each event kept once, in seq
// order), earlier parts fetched on request, and its approvals. The pending ones come from
// GET /api/sessions/:id/approvals, however far back they were asked, and are kept current by the
// stream; a card shows "answered by X" whichever door the answer came through.
import { markRaw, reactive } from "vue";
import { ApiError, api } from "../api/http.js";
import type { Approval, Session, TetherEvent, Usage } from "../api/types.js";
import { applyToSession } from "../session/apply-event.js";
import { ResumableSource } from "../stream/resumable-source.js";

/** How many of the newest events a page opens with, and how many more each "earlier" adds. */
export const HISTORY_PAGE = 300;
/** How long events that arrive together wait to be shown together: less than a frame. */
const BATCH_MS = 16;

type Resolution = Extract<TetherEvent, { type: "approval_resolved" }>["data"];

export interface ApprovalView {
  approval: Approval;
  status: Approval["status"];
  decision: string | null;
  decidedBy: string | null;
}

export interface SessionStream {
  session: Session | null;
  /** No such session (never was, or deleted): nothing more is asked for it. */
  missing: boolean;
  error: string | null;
  /** The loaded part of the history, in seq order without gaps: firstSeq to lastSeq. */
  events: TetherEvent[];
  firstSeq: number;
  lastSeq: number;
  /** Every approval known, as asked: from the list of pending ones and from the history. */
  approvals: Record<string, Approval>;
  /** Every answer or withdrawal seen since the page opened, by approval id. */
  resolutions: Record<string, Resolution>;
  usage: Usage | null;
  loadingEarlier: boolean;
}

export interface FollowedSession {
  state: SessionStream;
  /** Loads the HISTORY_PAGE events before the loaded ones. */
  loadEarlier(): Promise<void>;
  stop(): void;
}

/** An approval and what became of it. */
export function approvalView(state: SessionStream, id: string): ApprovalView | undefined {
  const approval = state.approvals[id];
  if (!approval) return undefined;
  const resolution = state.resolutions[id];
  if (!resolution) {
    return {
      approval,
      status: approval.status,
      decision: approval.decision,
      decidedBy: approval.decided_by,
    };
  }
  return resolution.status === "cancelled"
    ? { approval, status: "cancelled", decision: null, decidedBy: null }
    : {
        approval,
        status: "resolved",
        decision: resolution.option,
        decidedBy: resolution.decided_by,
      };
}

/** The approvals still waiting for an answer, oldest first. */
export function pendingApprovals(state: SessionStream): Approval[] {
  return Object.values(state.approvals)
    .filter((a) => a.status === "pending" && !state.resolutions[a.id])
    .sort((a, b) => a.seq - b.seq);
}

const isMissing = (error: unknown) => error instanceof ApiError && error.status === 404;

export function followSession(id: string): FollowedSession {
  const state = reactive<SessionStream>({
    session: null,
    missing: false,
    error: null,
    events: [],
    firstSeq: 1,
    lastSeq: 0,
    approvals: {},
    resolutions: {},
    usage: null,
    loadingEarlier: false,
  });
  let source: ResumableSource | undefined;
  let stopped = false;
  const path = (suffix = "") => `/api/sessions/${encodeURIComponent(id)}${suffix}`;

  const learn = (event: TetherEvent) => {
    switch (event.type) {
      case "approval_request":
        state.approvals[event.data.id] ??= event.data;
        break;
      case "approval_resolved":
        state.resolutions[event.data.request_id] = event.data;
        break;
    }
  };

  const apply = (event: TetherEvent) => {
    // A replay after a reconnect can overlap what arrived live: each seq is shown once.
    if (event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    // Events never change once committed: not watched inside, only their list.
    state.events.push(markRaw(event));
    learn(event);
    if (state.session) applyToSession(state.session, event);
    if (event.type === "usage") state.usage = event.data.total;
  };

  // Each message of the stream is a task of its own, and the page would be laid out again after
  // each: a replay of hundreds of events took seconds on a phone. They are applied in batches.
  const incoming: TetherEvent[] = [];
  let batch: ReturnType<typeof setTimeout> | undefined;
  const receive = (data: string) => {
    incoming.push(JSON.parse(data) as TetherEvent);
    batch ??= setTimeout(() => {
      batch = undefined;
      for (const event of incoming.splice(0)) apply(event);
    }, BATCH_MS);
  };

  const gone = () => {
    state.missing = true;
    stop();
  };

  const stop = () => {
    stopped = true;
    clearTimeout(batch);
    source?.stop();
  };

  async function open(): Promise<void> {
    let session: Session | undefined;
    // A daemon that is down (restarting, say) is asked again; an unknown session is not.
    for (let delay = 500; !session; delay = Math.min(delay * 2, 5_000)) {
      try {
        session = await api<Session>("GET", path());
      } catch (error) {
        if (isMissing(error)) return gone();
        state.error = (error as Error).message;
        if (error instanceof ApiError && error.status === 401) return;
        await new Promise((resume) => setTimeout(resume, delay));
      }
      if (stopped) return;
    }
    state.error = null;
    state.session = session;
    state.usage = session.usage;
    // The newest page only: a long session opens as fast as a short one.
    state.lastSeq = Math.max(0, session.last_seq - HISTORY_PAGE);
    state.firstSeq = state.lastSeq + 1;
    source = new ResumableSource({
      name: `session:${session.id}`,
      url: (lastSeq) =>
        `/api/sessions/${encodeURIComponent(session.id)}/stream?since_seq=${lastSeq}`,
      lastSeq: () => state.lastSeq,
      onMessage: receive,
      stillWanted: () =>
        api("GET", path()).then(
          () => true,
          (error: unknown) => {
            if (isMissing(error)) state.missing = true;
            return !isMissing(error);
          },
        ),
    });
    source.start();
    // After the stream opened: an answer given meanwhile is in the stream, so a pending approval
    // the list still names is shown answered, never stuck.
    try {
      const list = await api<{ approvals: Approval[] }>("GET", path("/approvals?limit=1000"));
      for (const approval of list.approvals) state.approvals[approval.id] ??= approval;
    } catch (error) {
      if (isMissing(error)) gone();
    }
  }

  async function loadEarlier(): Promise<void> {
    if (state.loadingEarlier || state.firstSeq <= 1 || !state.session) return;
    state.loadingEarlier = true;
    try {
      const before = state.firstSeq;
      const from = Math.max(0, before - 1 - HISTORY_PAGE);
      const earlier: TetherEvent[] = [];
      // A page also ends at about 4 MB: go on until the gap is filled.
      for (let after = from; after < before - 1; ) {
        const page = await api<{ events: TetherEvent[]; next_since_seq: number }>(
          "GET",
          path(`/events?since_seq=${after}&limit=${before - 1 - after}`),
        );
        earlier.push(...page.events.filter((e) => e.seq < before));
        if (page.events.length === 0) break;
        after = page.next_since_seq;
      }
      if (stopped || state.firstSeq !== before) return;
      for (const event of earlier) learn(event);
      state.events.unshift(...earlier.map((event) => markRaw(event)));
      state.firstSeq = from + 1;
    } catch (error) {
      if (isMissing(error)) gone();
      else state.error = (error as Error).message;
    } finally {
      state.loadingEarlier = false;
    }
  }

  void open();
  return { state, loadEarlier, stop };
}
