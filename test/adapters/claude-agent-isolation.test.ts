// An agent Tether runs is kept away from Tether itself: it starts with an allowlisted
// environment (no TETHER_* setting, no bridge secret), and even with the token in hand, a
// process inside its tree cannot answer approvals. The real Claude Code CLI runs against the
// fake Anthropic API; the tool calls are real shell commands.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bash } from "../fakes/anthropic.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";
import { useClaudeRig } from "./claude-rig.js";

const TOKEN = "agent-isolation-token-0123456789abcdef";

const rig = useClaudeRig("tether-claude-isolation-");

/** What a careless setup hands the daemon: Tether's token and settings, and bridge secrets. */
const daemon = (): Promise<TestDaemon> =>
  rig.daemon({
    token: TOKEN,
    env: rig.agentEnv({
      TETHER_AGENT_TOKEN: TOKEN,
      TETHER_CANARY: "canary-value",
      TELEGRAM_BOT_TOKEN: "telegram-secret",
      SLACK_BOT_TOKEN: "slack-secret",
      DISCORD_BOT_TOKEN: "discord-secret",
    }),
  });

async function newSession(d: TestDaemon, prompt: string): Promise<string> {
  const res = await d.api("POST", "/api/sessions", {
    kind: "claude",
    directory: rig.box.workspace,
    prompt,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function allowTheCommand(d: TestDaemon, id: string): Promise<void> {
  const approval = await waitFor(
    async () => (await d.api("GET", `/api/sessions/${id}/approvals`)).body.approvals[0],
    { timeoutMs: 20_000, what: "the Bash approval" },
  );
  const res = await d.api("POST", `/api/approvals/${approval.id}/resolve`, {
    option: "Allow",
    decided_by: "test",
  });
  expect(res.status).toBe(200);
}

async function toolResult(d: TestDaemon, id: string): Promise<string> {
  return waitFor(
    async () => {
      const events = (await d.api("GET", `/api/sessions/${id}/events`)).body.events as {
        type: string;
        data: { kind?: string; text?: string };
      }[];
      return events.find((e) => e.type === "output" && e.data.kind === "tool_result")?.data.text;
    },
    { timeoutMs: 20_000, what: "the command's output" },
  );
}

describe("an agent run by Tether", () => {
  it("sees no TETHER_ variable and no bridge secret in its environment", async () => {
    rig.fake.when("show env", bash("printenv"));
    const d = await daemon();
    const id = await newSession(d, "show env please");
    await allowTheCommand(d, id);
    const output = await toolResult(d, id);

    // The command ran and printed the environment (so the checks below are not vacuous).
    expect(output).toMatch(/^PATH=/m);
    expect(output).toContain(`HOME=${rig.box.root}`);
    expect(output).toContain("ANTHROPIC_BASE_URL=");
    expect(output).not.toContain("TETHER_");
    expect(output).not.toContain(TOKEN);
    for (const secret of ["telegram-secret", "slack-secret", "discord-secret", "canary-value"]) {
      expect(output).not.toContain(secret);
    }
    // Nor did the model provider get it.
    expect(JSON.stringify(rig.fake.toolResults())).not.toContain("TETHER_");
  });

  it("cannot answer an approval, over HTTP or the App WebSocket, even with the token", async () => {
    const d = await daemon();
    // An approval someone else asked for, which the agent will try to answer.
    const external = await d.api("POST", "/external/sessions", { session_name: "other" });
    const asked = await d.api("POST", `/external/sessions/${external.body.session_id}/approval`, {
      title: "Deploy to production?",
      options: ["Approve", "Reject"],
    });
    expect(asked.status).toBe(200);
    const target: string = asked.body.request_id;

    // The agent's command gets the token in its text: its environment has none.
    const script = join(rig.box.workspace, "answer.mjs");
    const wsModule = createRequire(import.meta.url).resolve("ws");
    writeFileSync(
      script,
      `import { createRequire } from "node:module";
const WebSocket = createRequire(import.meta.url)(${JSON.stringify(wsModule)});
const [url, token, id] = process.argv.slice(2);
const headers = { authorization: "Bearer " + token, "content-type": "application/json" };
const res = await fetch(url + "/api/approvals/" + id + "/resolve", {
  method: "POST", headers, body: JSON.stringify({ option: "Approve", decided_by: "agent" }),
});
console.log("http", res.status, (await res.json()).error?.code);
const mcp = await fetch(url + "/mcp", {
  method: "POST",
  headers: { ...headers, accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
});
const tools = (await mcp.json()).result.tools.map((t) => t.name);
console.log("mcp tools", tools.length, tools.includes("resolve_approval") ? "can resolve" : "cannot resolve");
const ws = new WebSocket(url.replace("http", "ws") + "/api/ws", { headers });
ws.on("open", () => ws.send(JSON.stringify({ type: "resolve", id: "r1",
  data: { approval_id: id, option: "Approve", decided_by: "agent" } })));
ws.on("message", (raw) => {
  const msg = JSON.parse(String(raw));
  if (msg.id !== "r1") return;
  console.log("ws", msg.type, msg.error?.code ?? msg.data?.status);
  ws.close();
});
`,
    );
    rig.fake.when("answer it", bash(`node ${script} ${d.url} ${TOKEN} ${target}`));
    const id = await newSession(d, "answer it yourself");
    await allowTheCommand(d, id);
    const output = await toolResult(d, id);

    expect(output).toContain("http 403 agent_cannot_decide");
    expect(output).toContain("ws error agent_cannot_decide");
    // /mcp answers the agent, but without the tool that answers approvals…
    expect(output).toMatch(/mcp tools [1-9]\d* cannot resolve/);
    // …which a caller outside the agent's tree does get.
    const mcp = await fetch(`${d.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    const tools = ((await mcp.json()) as { result: { tools: { name: string }[] } }).result.tools;
    expect(tools.map((tool) => tool.name)).toContain("resolve_approval");
    expect((await d.api("GET", `/api/approvals/${target}`)).body.status).toBe("pending");
    // The same call from outside the agent's process tree goes through.
    const human = await d.api("POST", `/api/approvals/${target}/resolve`, {
      option: "Approve",
      decided_by: "test",
    });
    expect(human.status).toBe(200);
  });
});
