// "Allow <tool> for this session" is a stored rule: it survives a daemon restart however many
// approvals follow it, and a request it covers is answered at once, by the rule, through the
// same channel an agent hears a human's answer on.
import { afterEach, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";

const TOKEN = "session-rules-token-0123456789abcdef0123456789";
const FOR_SESSION = "Allow Bash for this session";
const dir = tempDir("tether-session-rules-");
let t: TestDaemon | undefined;
afterEach(async () => {
  await t?.close();
  dir.remove();
});

const request = (tool: string) => ({
  title: `Run ${tool}?`,
  options: ["Allow", "Deny", `Allow ${tool} for this session`],
  tool_name: tool,
  tool_input: { command: "ls" },
});

it("a session rule survives a restart after 2,000 other approvals", async () => {
  t = await startTestDaemon({ token: TOKEN, dataDir: dir.path });
  const session = (await t.api("POST", "/external/sessions", { session_name: "ruled" })).body
    .session_id as string;
  const first = await t.api("POST", `/external/sessions/${session}/approval`, request("Bash"));
  const made = await t.api("POST", `/api/approvals/${first.body.request_id}/resolve`, {
    option: FOR_SESSION,
    decided_by: "cli:you@host",
  });
  expect(made.status).toBe(200);
  for (let chunk = 0; chunk < 20; chunk++) {
    const asked = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t!.api("POST", `/external/sessions/${session}/approval`, request(`Tool${i % 7}`)),
      ),
    );
    const answered = await Promise.all(
      asked.map((r) =>
        t!.api("POST", `/api/approvals/${r.body.request_id}/resolve`, { option: "Allow" }),
      ),
    );
    expect(answered.every((r) => r.status === 200)).toBe(true);
  }
  await t.close();

  t = await startTestDaemon({ token: TOKEN, dataDir: dir.path });
  const again = await t.api("POST", `/external/sessions/${session}/approval`, request("Bash"));
  expect(again.status).toBe(200);

  const approval = (await t.api("GET", `/api/approvals/${again.body.request_id}`)).body;
  expect(approval).toMatchObject({ status: "resolved", decision: FOR_SESSION });
  expect(approval.decided_by).toMatch(/^rule:rule_[0-9a-z]{16}$/);
  expect((await t.api("GET", "/api/health")).body.pending_approvals).toBe(0);
  // The agent hears the rule's answer as it hears a human's.
  // (`after` acknowledges everything up to the request: the 2,000 earlier answers.)
  const heard = await t.api(
    "GET",
    `/external/sessions/${session}/input?timeout=5&after=${again.body.seq}`,
  );
  expect(heard.body).toMatchObject({
    type: "approval_response",
    data: {
      request_id: again.body.request_id,
      option: FOR_SESSION,
      decided_by: approval.decided_by,
    },
  });
  // Another tool still asks the human.
  const other = await t.api("POST", `/external/sessions/${session}/approval`, request("Read"));
  expect((await t.api("GET", `/api/approvals/${other.body.request_id}`)).body.status).toBe(
    "pending",
  );
});
