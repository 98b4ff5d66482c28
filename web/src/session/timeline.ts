// What a session's timeline shows of its events: one row for each event worth a line, and none
// at all for the rest (usage, quiet status reports, the resolution of a card already on screen),
// so a hidden event leaves no gap. One failure is one row: the agent's error output, its "error"
// status and the move to the error state usually say the same thing, and it is read once.
import type { TetherEvent } from "../api/types.js";

type ChatKind = "text" | "thinking" | "tool_call" | "tool_result";

export type Row =
  | { kind: "output"; seq: number; ts: string; output: ChatKind; text: string }
  | { kind: "error"; seq: number; ts: string; text: string }
  | { kind: "human"; seq: number; ts: string; text: string; sender: string }
  | { kind: "note"; seq: number; ts: string; text: string }
  /** An approval asked here: its card, pending (pinned at the top) or answered. */
  | { kind: "approval"; seq: number; ts: string; id: string };

export interface ApprovalLookup {
  /** The approval's status now, as far as the view knows. */
  status(id: string): "pending" | "resolved" | "cancelled";
  /** Its title, for one asked before the loaded part of the history. */
  title(id: string): string | undefined;
}

export function timelineRows(events: readonly TetherEvent[], approvals: ApprovalLookup): Row[] {
  const rows: Row[] = [];
  // Requests in this part of the history: their cards tell their resolution themselves.
  const asked = new Set<string>();
  // The error last shown, until the conversation moves on.
  let lastError: string | null = null;
  const push = (row: Row) => {
    if (row.kind === "error") {
      if (row.text === lastError) return;
      lastError = row.text;
    } else if (row.kind !== "note") {
      lastError = null;
    }
    rows.push(row);
  };
  for (const event of events) {
    const at = { seq: event.seq, ts: event.ts };
    switch (event.type) {
      case "output": {
        const kind = event.data.kind ?? "text";
        if (kind === "error") push({ kind: "error", ...at, text: event.data.text });
        else push({ kind: "output", ...at, output: kind, text: event.data.text });
        break;
      }
      case "human_input":
        push({ kind: "human", ...at, text: event.data.text, sender: event.data.sender });
        break;
      case "status":
        if (event.data.status === "error" && event.data.message) {
          push({ kind: "error", ...at, text: event.data.message });
        } else if (event.data.message) {
          push({ kind: "note", ...at, text: `${event.data.status}: ${event.data.message}` });
        }
        break;
      case "state":
        // Only the moves a reader cares about; running ⇄ awaiting_input shows in the header.
        if (event.data.to === "error") {
          push({ kind: "error", ...at, text: event.data.reason ?? "the agent failed" });
        } else if (event.data.to === "done") {
          push({ kind: "note", ...at, text: ended(event.data.reason) });
        }
        break;
      case "approval_request":
        asked.add(event.data.id);
        // A withdrawn question needs nobody's answer: not shown at all.
        if (approvals.status(event.data.id) !== "cancelled") {
          push({ kind: "approval", ...at, id: event.data.id });
        }
        break;
      case "approval_resolved": {
        // Asked before the part of the history on screen: the answer still deserves a line.
        const id = event.data.request_id;
        if (asked.has(id) || event.data.status !== "resolved") break;
        const title = approvals.title(id);
        const what = title ? `“${title}”` : "An approval";
        push({
          kind: "note",
          ...at,
          text: `${what} answered by ${event.data.decided_by}: ${event.data.option}`,
        });
        break;
      }
      case "interrupt":
        push({ kind: "note", ...at, text: `Interrupt requested by ${event.data.by}` });
        break;
      case "renamed":
        push({ kind: "note", ...at, text: `Renamed to ${event.data.to}` });
        break;
      case "usage":
        break;
    }
  }
  return rows;
}

function ended(reason: string | undefined): string {
  return reason?.startsWith("ended by ") ? `Session ${reason}` : "Session ended";
}

/** The text of the agent's last chat message among `events` (the newest first wins), if any. */
export function lastAgentText(events: readonly TetherEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === "output" && (event.data.kind ?? "text") === "text") return event.data.text;
  }
  return undefined;
}
