// Two people answer the same approval at once: exactly one answer wins, the other gets a 409
// that names the winner, and the agent receives only the winning decision.
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";

let t: TestDaemon;
beforeEach(async () => {
  t = await startTestDaemon({ token: "race-token-0123456789abcdef0123456789" });
});
afterEach(() => t.close());

it("first answer wins across concurrent resolvers on REST and WebSocket", async () => {
  const id = (await t.api("POST", "/external/sessions", { session_name: "race" })).body.session_id;
  for (let round = 0; round < 10; round++) {
    const ask = await t.api("POST", `/external/sessions/${id}/approval`, {
      title: `deploy #${round}`,
    });
    const approvalId = ask.body.request_id;
    const viewer = await TestSocket.open(`${t.wsUrl}/api/ws`, {
      authorization: "Bearer race-token-0123456789abcdef0123456789",
    });
    // Three token callers, each with a self-label the daemon accepts (cli, mcp).
    const [phone, laptop] = await Promise.all([
      t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Approve",
        decided_by: "cli:phone",
      }),
      t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "cli:laptop",
      }),
      viewer.send({
        type: "resolve",
        id: "ws",
        data: { approval_id: approvalId, option: "Approve", decided_by: "mcp:bob" },
      }),
    ]);
    const wsReply = await viewer.next((m) => m.id === "ws");
    await viewer.close();

    const outcomes = [
      { by: "cli:phone", won: phone.status === 200, status: phone.status, body: phone.body },
      { by: "cli:laptop", won: laptop.status === 200, status: laptop.status, body: laptop.body },
      {
        by: "mcp:bob",
        won: wsReply.type === "result",
        status: wsReply.type === "result" ? 200 : 409,
        body: wsReply,
      },
    ];
    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    for (const loser of outcomes.filter((o) => !o.won)) {
      expect(loser.status).toBe(409);
      expect(loser.body.error.code).toBe("approval_already_resolved");
      expect(loser.body.error.message).toContain(winner.by);
      expect(loser.body.error.details.decided_by).toBe(winner.by);
    }
    const stored = await t.api("GET", `/api/approvals/${approvalId}`);
    expect(stored.body.decided_by).toBe(winner.by);

    const delivered = await t.api("GET", `/external/sessions/${id}/input?timeout=5`);
    expect(delivered.body.data).toMatchObject({ request_id: approvalId, decided_by: winner.by });
    const extra = await t.api("GET", `/external/sessions/${id}/input?timeout=0`);
    expect(extra.status).toBe(204);
  }
});
