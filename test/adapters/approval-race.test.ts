// One approval, three doors at once: a Claude Code session Tether runs asks to run a command
// (through the permission broker), and at the same moment the App API answers Allow, the App
// WebSocket answers Deny, and an interrupt makes the waiting agent withdraw it. Exactly one of
// them decides; there is exactly one approval_resolved; the losers hear who won; and the agent
// does what the winner said.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { bash } from "../fakes/anthropic.js";
import { TestSocket } from "../helpers/socket.js";
import { waitFor } from "../helpers/wait.js";
import { useClaudeRig } from "./claude-rig.js";

const TOKEN = "approval-race-token-0123456789abcdef0123456789";
const rig = useClaudeRig("tether-approval-race-");

it("an approval raced by the App API, the WebSocket and the broker has one outcome", async () => {
  const d = await rig.daemon({ token: TOKEN });
  const viewer = await TestSocket.open(`${d.wsUrl}/api/ws`, { authorization: `Bearer ${TOKEN}` });
  const rounds = 3;
  try {
    for (let round = 0; round < rounds; round++) {
      const target = join(rig.box.workspace, `race-${round}.txt`);
      rig.fake.when(`file ${round}`, bash(`touch ${target}`));
      const created = await d.api("POST", "/api/sessions", {
        kind: "claude",
        directory: rig.box.workspace,
        prompt: `make file ${round}`,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const approval = await waitFor(
        async () => (await d.api("GET", `/api/sessions/${id}/approvals`)).body.approvals[0],
        { timeoutMs: 20_000, what: "the agent to ask" },
      );

      const [rest, , interrupted] = await Promise.all([
        d.api("POST", `/api/approvals/${approval.id}/resolve`, {
          option: "Allow",
          decided_by: "cli:laptop",
        }),
        viewer.send({
          type: "resolve",
          id: `ws-${round}`,
          data: { approval_id: approval.id, option: "Deny", decided_by: "mcp:phone" },
        }),
        d.api("POST", `/api/sessions/${id}/interrupt`, {}),
      ]);
      expect(interrupted.status).toBe(200);
      const ws = await viewer.next((m) => m.id === `ws-${round}`);

      // The approval settles once, whoever got there first.
      const settled = await waitFor(
        async () => {
          const a = (await d.api("GET", `/api/approvals/${approval.id}`)).body;
          return a.status === "pending" ? undefined : a;
        },
        { timeoutMs: 20_000, what: "the approval to settle" },
      );
      const answers = [
        { ok: rest.status === 200, by: "cli:laptop", error: rest.body.error },
        { ok: ws.type === "result", by: "mcp:phone", error: ws.error },
      ];
      const winners = answers.filter((a) => a.ok);
      if (settled.status === "resolved") {
        expect(winners.map((w) => w.by)).toEqual([settled.decided_by]);
      } else {
        // Withdrawn by the agent before either answer landed.
        expect(settled.status).toBe("cancelled");
        expect(winners).toEqual([]);
      }
      for (const loser of answers.filter((a) => !a.ok)) {
        expect(loser.error.code).toBe("approval_already_resolved");
        expect(loser.error.details.status).toBe(settled.status);
        if (settled.decided_by) expect(loser.error.message).toContain(settled.decided_by);
      }

      // Let the turn end (the interrupt, or the tool's answer), then read the history.
      await waitFor(
        async () => {
          const s = (await d.api("GET", `/api/sessions/${id}`)).body;
          return s.state === "awaiting_input" || s.state === "error";
        },
        { timeoutMs: 20_000, what: "the turn to end" },
      );
      const events = (await d.api("GET", `/api/sessions/${id}/events`)).body.events as {
        type: string;
        data: Record<string, unknown>;
      }[];
      const outcomes = events.filter(
        (e) => e.type === "approval_resolved" && e.data.request_id === approval.id,
      );
      expect(outcomes, JSON.stringify(outcomes)).toHaveLength(1);
      expect(outcomes[0]!.data).toMatchObject({ status: settled.status });
      if (settled.status === "resolved") {
        expect(outcomes[0]!.data).toMatchObject({
          option: settled.decision,
          decided_by: settled.decided_by,
        });
      }
      // The agent did what the winner said: the file exists only if Allow won (the interrupt may
      // still stop the command after it was allowed, so Allow does not prove the file).
      if (settled.decision !== "Allow") expect(existsSync(target)).toBe(false);
    }
  } finally {
    await viewer.close();
  }
});
