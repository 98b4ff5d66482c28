// The real Claude Code CLI (bundled with the Agent SDK) with tether-mcp in its MCP config, against
// the fake Anthropic server scripted to call Tether's approval tool: the question reaches Tether,
// is answered over the App API, and the answer comes back to the model as the tool's result.
import { query, type SDKMessage, type SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic, toolUse } from "../fakes/anthropic.js";
import {
  type AgentSandbox,
  agentSandbox,
  claudeEnv,
  processesMentioning,
} from "../fakes/support.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";
import { MCP_BIN } from "./mcp-client.js";

const TOKEN = "mcp-claude-token-1-0123456789abcdef0123456789";
const TOOL = "mcp__tether__request_approval";
let fake: FakeAnthropic;
let box: AgentSandbox;
let t: TestDaemon;
let close: (() => void) | undefined;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  box = agentSandbox("tether-mcp-claude-");
  t = await startTestDaemon({ token: TOKEN });
});

afterEach(async () => {
  close?.();
  close = undefined;
  // The CLI and the tether-mcp it spawned both carry the sandbox path in their environment.
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 5_000,
    what: "claude and tether-mcp to exit",
  });
  await t.close();
  await fake.close();
  box.remove();
});

it("asks the human through tether-mcp and hands the model the answer", async () => {
  const created = await t.api("POST", "/external/sessions", { session_name: "claude via mcp" });
  const sessionId: string = created.body.session_id;
  fake.when(
    "ask before migrating",
    toolUse(TOOL, {
      session_id: sessionId,
      title: "Run the migration?",
      description: "ALTER TABLE users ADD COLUMN plan",
      options: ["Migrate", "Wait"],
      timeout_seconds: 30,
    }),
  );

  const env = claudeEnv(box, fake.url, { HOME: box.home });
  const q = query({
    prompt: "please ask before migrating",
    options: {
      cwd: box.workspace,
      env,
      settingSources: [],
      permissionMode: "default",
      allowedTools: [TOOL],
      mcpServers: {
        tether: {
          command: process.execPath,
          args: [MCP_BIN],
          env: {
            TETHER_API_URL: t.url,
            TETHER_AGENT_TOKEN: TOKEN,
            TETHER_CONFIG: `${box.home}/no-config.json`,
          },
        },
      },
    },
  });
  close = () => q.close();
  const messages: SDKMessage[] = [];
  let failure: unknown;
  void (async () => {
    for await (const message of q) messages.push(message);
  })().catch((error: unknown) => {
    failure = error;
  });

  const approval = await waitFor(
    async () => {
      if (failure) throw failure;
      return (await t.api("GET", `/api/approvals?session_id=${sessionId}`)).body.approvals[0];
    },
    { timeoutMs: 20_000, what: "the approval to appear in Tether" },
  );
  expect(approval).toMatchObject({ title: "Run the migration?", options: ["Migrate", "Wait"] });
  const resolved = await t.api("POST", `/api/approvals/${approval.id}/resolve`, {
    option: "Migrate",
    decided_by: "cli:phone",
  });
  expect(resolved.status).toBe(200);

  const result = await waitFor(
    () => {
      if (failure) throw failure;
      return messages.find((m): m is SDKResultMessage => m.type === "result");
    },
    { timeoutMs: 20_000, what: "the turn to finish" },
  );
  expect(result.subtype).toBe("success");
  const [toolResult] = fake.toolResults();
  expect(toolResult?.isError).toBe(false);
  expect(JSON.parse(toolResult!.content)).toMatchObject({
    status: "resolved",
    option: "Migrate",
    decided_by: "cli:phone",
  });
});
