// GET /api/approvals/:id?wait= : a long poll that answers the moment the approval is decided or
// withdrawn (what tether-mcp's request_approval waits on), and still pending when time runs out.
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let t: TestDaemon;
beforeEach(async () => {
  t = await startTestDaemon({ token: "wait-token-0123456789abcdef0123456789" });
});
afterEach(() => t.close());

async function pendingApproval(): Promise<string> {
  const id = (await t.api("POST", "/external/sessions", { session_name: "wait" })).body.session_id;
  return (await t.api("POST", `/external/sessions/${id}/approval`, { title: "ship it?" })).body
    .request_id;
}

it("answers a waiting GET as soon as another door decides", async () => {
  const approvalId = await pendingApproval();
  let answered = false;
  const waiting = t.api("GET", `/api/approvals/${approvalId}?wait=60`).then((res) => {
    answered = true;
    return res;
  });
  // Still waiting while nobody has answered: a plain GET sees it pending.
  expect((await t.api("GET", `/api/approvals/${approvalId}`)).body.status).toBe("pending");
  expect(answered).toBe(false);
  const resolved = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
    option: "Approve",
    decided_by: "cli:alice",
  });
  expect(resolved.status).toBe(200);
  const res = await waiting;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: "resolved",
    decision: "Approve",
    decided_by: "cli:alice",
  });
});

it("answers with the approval still pending once the wait runs out", async () => {
  const approvalId = await pendingApproval();
  const res = await t.api("GET", `/api/approvals/${approvalId}?wait=1`);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe("pending");
});

it("answers a decided approval at once, and refuses a wait out of range", async () => {
  const approvalId = await pendingApproval();
  await t.api("POST", `/api/approvals/${approvalId}/resolve`, { option: "Reject" });
  const res = await t.api("GET", `/api/approvals/${approvalId}?wait=120`);
  expect(res.body).toMatchObject({ status: "resolved", decision: "Reject" });
  const bad = await t.api("GET", `/api/approvals/${approvalId}?wait=500`);
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain("wait must be between 0 and 120 seconds");
});
