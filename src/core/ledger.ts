// What the engine lends the parts of core that write a session's history (approvals today;
// policies next): the session, a clock, and a way to stage one change of one session into the
// group commit, with the writes that change may make.
import type { AgentMessage, Approval, EventData, EventType, Session } from "../shared/schemas.js";
import type { Rule } from "./rules.js";
import type { StoredEvent } from "./store.js";

export interface Ledger {
  /** A session by id or unique prefix; throws session_not_found. */
  getSession(id: string): Session;
  /** As getSession, and throws session_ended for a session that is done. */
  live(id: string): Session;
  timestamp(): string;
  /** True when the session's agent reads its queue (the External API), so a message for it must
   * be queued; an agent Tether runs itself is handed what it waits for directly. */
  readsQueue(session: Session): boolean;
  /**
   * Stages `change` of `session` into the current group commit; resolves once it is on disk. If
   * `change` throws or builds something that cannot be stored, the session is put back as it
   * was (no seq burned) and `undo` takes back the rest.
   */
  stage(session: Session, change: (write: SessionWrite) => void, undo?: () => void): Promise<void>;
}

/** The writes one staged change of one session may make. */
export interface SessionWrite {
  /** Appends an event to the session's history: the next seq. */
  emit<T extends EventType>(type: T, data: EventData<T>): StoredEvent;
  /** Puts a message in the agent's queue, under the seq of the event that recorded it. */
  queue(message: AgentMessage): void;
  saveApproval(approval: Approval): void;
  addRule(rule: Rule): void;
  /** A `created` session whose agent did something is running. */
  startedBy(what: string): void;
}
