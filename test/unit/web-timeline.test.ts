// What a session's timeline shows of its events: a row per event worth reading, none for the
// others, one failure once however many events say it, and an answer to an approval asked before
// the loaded part of the history still told.
import { describe, expect, it } from "vitest";
import type { SessionState, TetherEvent } from "../../src/shared/schemas.js";
import {
  type ApprovalLookup,
  lastAgentText,
  timelineRows,
} from "../../web/src/session/timeline.js";

let seq = 0;
const ts = "2026-03-01T12:00:00.000Z";
function event<T extends TetherEvent["type"]>(
  type: T,
  data: Extract<TetherEvent, { type: T }>["data"],
): TetherEvent {
  seq += 1;
  return { session_id: "sess_a", seq, ts, type, data } as TetherEvent;
}
const output = (text: string, kind?: "text" | "thinking" | "tool_call" | "tool_result" | "error") =>
  event("output", { text, metadata: {}, ...(kind ? { kind } : {}) });
const status = (value: "thinking" | "executing" | "done" | "error", message?: string) =>
  event("status", { status: value, ...(message ? { message } : {}) });
const state = (from: SessionState | null, to: SessionState, reason?: string) =>
  event("state", { from, to, ...(reason ? { reason } : {}) });

const noApprovals: ApprovalLookup = { status: () => "pending", title: () => undefined };
const shown = (events: TetherEvent[], approvals = noApprovals) =>
  timelineRows(events, approvals).map((r) => [r.kind, "text" in r ? r.text : r.id]);

describe("the timeline", () => {
  it("has no row for events nobody reads", () => {
    const events = [
      state(null, "created"),
      output("hello"),
      state("created", "running", "first output"),
      status("thinking"),
      status("executing"),
      event("usage", {
        input_tokens: 1,
        output_tokens: 2,
        cost_usd: 0,
        total: { input_tokens: 1, output_tokens: 2, cost_usd: 0 },
      }),
      status("done"),
      state("running", "awaiting_input"),
      event("human_input", { text: "go on", timestamp: ts, sender: "web:phone" }),
    ];
    expect(shown(events)).toEqual([
      ["output", "hello"],
      ["human", "go on"],
    ]);
  });

  it("shows one failure once: the error output, the error status and the move to error", () => {
    const events = [
      output("working"),
      output("claude: not logged in", "error"),
      status("error", "claude: not logged in"),
      state("running", "error", "claude: not logged in"),
      // The same failure again after a restart, with nothing said between: still once.
      output("claude: not logged in", "error"),
    ];
    expect(shown(events)).toEqual([
      ["output", "working"],
      ["error", "claude: not logged in"],
    ]);
  });

  it("shows a failure again once the conversation moved on, and a different one at once", () => {
    const events = [
      output("claude: not logged in", "error"),
      event("human_input", { text: "try again", timestamp: ts, sender: "web:phone" }),
      output("claude: not logged in", "error"),
      state("error", "error", "out of credit"),
    ];
    expect(shown(events)).toEqual([
      ["error", "claude: not logged in"],
      ["human", "try again"],
      ["error", "claude: not logged in"],
      ["error", "out of credit"],
    ]);
  });

  it("shows an approval as its card, not a withdrawn one, and an answer to one asked earlier", () => {
    const approval = (id: string, title: string) =>
      event("approval_request", {
        id,
        session_id: "sess_a",
        seq: seq + 1,
        title,
        description: "",
        options: ["Approve", "Reject"],
        tool_name: null,
        tool_input: null,
        status: "pending",
        decision: null,
        decided_by: null,
        created_at: ts,
        resolved_at: null,
      });
    const answer = (id: string) =>
      event("approval_resolved", {
        status: "resolved",
        request_id: id,
        option: "Approve",
        decided_by: "web:phone",
        timestamp: ts,
      });
    const approvals: ApprovalLookup = {
      status: (id) => (id === "apr_gone" ? "cancelled" : "resolved"),
      title: (id) => (id === "apr_old" ? "Drop the table?" : undefined),
    };
    const events = [
      approval("apr_here", "Deploy?"),
      answer("apr_here"),
      approval("apr_gone", "Withdrawn?"),
      answer("apr_old"),
    ];
    expect(shown(events, approvals)).toEqual([
      ["approval", "apr_here"],
      ["note", "“Drop the table?” answered by web:phone: Approve"],
    ]);
  });

  it("says who ended a session", () => {
    expect(shown([state("running", "done", "ended by web:phone")])).toEqual([
      ["note", "Session ended by web:phone"],
    ]);
  });

  it("finds the agent's last words among a session's last events", () => {
    const events = [
      output("Which database?"),
      output("ls", "tool_call"),
      output("hmm", "thinking"),
      status("done"),
    ];
    expect(lastAgentText(events)).toBe("Which database?");
    expect(lastAgentText([status("done")])).toBeUndefined();
  });
});
