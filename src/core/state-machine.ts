import type { SessionState } from "../shared/schemas.js";
import { TetherError } from "./errors.js";

// DESIGN.md §3: created → running ⇄ awaiting_input, running → interrupting → awaiting_input,
// running|interrupting → error, error → running, any → done. External agents report their own
// status, and an agent's report is the truth about it, so a few more moves are allowed: "done"
// or "error" before it ever reported running (created → awaiting_input | error), an error while
// the human was being waited for (awaiting_input → error), and "done" after recovering from an
// error without passing through running (error → awaiting_input).
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  created: ["running", "awaiting_input", "error", "done"],
  running: ["awaiting_input", "interrupting", "error", "done"],
  awaiting_input: ["running", "error", "done"],
  interrupting: ["awaiting_input", "error", "done"],
  error: ["running", "awaiting_input", "done"],
  done: [],
};

export function canTransition(from: SessionState, to: SessionState): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertTransition(from: SessionState, to: SessionState): void {
  if (!canTransition(from, to)) {
    throw new TetherError("invalid_transition", `cannot move a session from ${from} to ${to}`, {
      details: { from, to },
    });
  }
}
