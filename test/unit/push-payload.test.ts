// The JSON a Web Push carries to the service worker: an approval's first options as buttons
// (never a risky one), a reply button for a session waiting for input, and always small enough
// for a push service's 4 KB record.
import { describe, expect, it } from "vitest";
import { answerable, type TetherNotification } from "../../dist/notify/notification.js";
import { MAX_PAYLOAD_BYTES, pushPayload } from "../../dist/notify/push-payload.js";

const approval: TetherNotification = {
  kind: "approval",
  title: "deploy: Ship it?",
  body: "Options: Approve / Reject",
  sessionId: "sess_1",
  approvalId: "apr_1",
  path: "/#/sessions/sess_1",
  tag: "approval-apr_1",
  answers: ["Approve", "Reject"],
  reply: false,
};

const request = (options: string[], risky?: string[]) =>
  ({
    id: "apr_1",
    session_id: "sess_1",
    seq: 1,
    title: "t",
    description: "",
    options,
    tool_name: null,
    tool_input: null,
    status: "pending",
    decision: null,
    decided_by: null,
    created_at: "",
    resolved_at: null,
    ...(risky ? { risky_options: risky } : {}),
  }) as Parameters<typeof answerable>[0];

describe("push payload", () => {
  it("offers the first two options, never a risky one", () => {
    expect(answerable(request(["Allow", "Deny", "Allow Bash for this session"]))).toEqual([
      "Allow",
      "Deny",
    ]);
    expect(answerable(request(["Force-push", "Cancel", "Rebase"], ["Force-push"]))).toEqual([
      "Cancel",
      "Rebase",
    ]);
  });

  it("names the buttons answer-<i> and keeps the options exact in data", () => {
    const option = `Approve   with  spaces ${"x".repeat(60)}`;
    const payload = JSON.parse(pushPayload({ ...approval, answers: [option, "Reject"] }));
    expect(payload.actions[0]).toEqual({ action: "answer-0", title: expect.any(String) });
    expect(payload.actions[0].title.length).toBeLessThanOrEqual(40);
    expect(payload.data.options).toEqual([option, "Reject"]);
  });

  it("stays under the push record limit, dropping the buttons when the options would not fit", () => {
    const escaped = "\u0001".repeat(200);
    const big = pushPayload({
      ...approval,
      title: escaped.slice(0, 120),
      body: escaped.slice(0, 240),
      answers: [escaped, `${escaped.slice(1)}2`],
    });
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const parsed = JSON.parse(big);
    expect(parsed.actions).toBeUndefined();
    expect(parsed.data).toMatchObject({ kind: "approval", approval_id: "apr_1" });
    expect(parsed.data.options).toBeUndefined();
    // A usual one keeps everything.
    expect(JSON.parse(pushPayload(approval)).data.options).toEqual(["Approve", "Reject"]);
  });
});
