import type { Session, TetherEvent } from "../api/types.js";

/** What an event changes of its session as the app holds it: its state (and the error that came
 * with it) and its name. The same words as the daemon's for an error given no reason. */
export function applyToSession(session: Session, event: TetherEvent): void {
  if (event.type === "state") {
    session.state = event.data.to;
    session.error =
      event.data.to === "error" ? (event.data.reason ?? "the agent reported an error") : null;
  } else if (event.type === "renamed") {
    session.name = event.data.to;
  }
}
