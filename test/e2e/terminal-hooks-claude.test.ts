// The real Claude Code CLI (as the Agent SDK bundles it) with Tether's hooks in its user
// settings, against the fake model, talking to the real daemon through `tether hook claude`.
// The session's own permission prompt (canUseTool here, the dialog in a terminal) is never
// answered, as when nobody is at the terminal: the remote answer through Tether decides, and the
// reply sent from the App API at the end of the turn starts the agent's next step.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CanUseTool, query, type SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { HOOKS, hookCommand } from "../../dist/hooks/events.js";
import { PromptStream } from "../../src/adapters/claude/prompt-stream.js";
import { bash, type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic.js";
import {
  type AgentSandbox,
  agentSandbox,
  claudeEnv,
  processesMentioning,
} from "../fakes/support.js";
import { CLI, callApi, daemonEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "terminal-claude-token-0123456789abcdef0123456789";

let fake: FakeAnthropic;
let box: AgentSandbox;
let daemon: Daemon;
let close: (() => void) | undefined;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  box = agentSandbox("tether-hooked-claude-");
  daemon = await startDaemon(
    loadConfig({
      env: daemonEnv(join(box.root, "data"), { TETHER_AGENT_TOKEN: TOKEN }),
      cwd: box.root,
    }),
    { hookWaits: { stopS: 2 } },
  );
  // Tether's hooks, as `tether hooks install` writes them.
  const hooks = Object.fromEntries(
    HOOKS.claude.map((h) => [
      h.event,
      [
        {
          ...(h.matcher ? { matcher: h.matcher } : {}),
          hooks: [
            {
              type: "command",
              command: hookCommand("claude", process.execPath, CLI),
              timeout: h.timeoutS,
            },
          ],
        },
      ],
    ]),
  );
  writeFileSync(join(box.home, "settings.json"), JSON.stringify({ hooks }, null, 2));
});

afterEach(async () => {
  close?.();
  close = undefined;
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 10_000,
    what: "claude processes to exit",
  });
  await daemon.close();
  await fake.close();
  box.remove();
});

const api = (method: string, path: string, body?: unknown) =>
  callApi(daemon.url, TOKEN, method, path, body);

/** A Claude session that reads its user settings (so it runs the hooks) and whose own prompt
 * nobody answers. */
function claude(prompt: string) {
  const prompts = new PromptStream();
  const messages: SDKMessage[] = [];
  const nobodyAtTheTerminal: CanUseTool = (_tool, _input, { signal }) =>
    new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(new Error("aborted"))),
    );
  const q = query({
    prompt: prompts,
    options: {
      cwd: box.workspace,
      env: claudeEnv(box, fake.url, {
        // Where `tether hook` finds the daemon; no config file of the developer's is read.
        TETHER_API_URL: daemon.url,
        TETHER_AGENT_TOKEN: TOKEN,
        TETHER_CONFIG: join(box.root, "no-tether-config.json"),
      }),
      settingSources: ["user"],
      permissionMode: "default",
      canUseTool: nobodyAtTheTerminal,
    },
  });
  void (async () => {
    for await (const message of q) messages.push(message);
  })().catch(() => {});
  prompts.push(prompt);
  close = () => {
    prompts.end();
    q.close();
  };
  return { messages };
}

async function terminalSession() {
  const sessions = (await api("GET", "/api/sessions")).body.sessions as {
    id: string;
    kind: string;
    state: string;
    agent_session_id: string | null;
    terminal: {
      transcript_path: string | null;
      pid: number | null;
      running: boolean | null;
    } | null;
  }[];
  return sessions.find((s) => s.kind === "claude_terminal");
}

it("asks through Tether, runs the command once allowed remotely, and takes the reply at the turn's end", async () => {
  const target = join(box.workspace, "allowed-remotely.txt");
  fake.when("make the file", bash(`touch ${target}`));
  const { messages } = claude("please make the file");

  const approval = await waitFor(
    async () => (await api("GET", "/api/approvals?status=pending")).body.approvals[0],
    { timeoutMs: 60_000, what: "the permission request to reach Tether" },
  );
  expect(approval).toMatchObject({ tool_name: "Bash", title: `Bash: touch ${target}` });
  expect(existsSync(target)).toBe(false);
  const session = await terminalSession();
  expect(session?.agent_session_id).toBeTruthy();
  // The hooks named the Claude Code process that runs them, and its transcript.
  expect(session?.terminal?.transcript_path).toMatch(
    new RegExp(`${session!.agent_session_id}\\.jsonl$`),
  );
  expect(session?.terminal?.running).toBe(true);
  expect(readFileSync(`/proc/${session!.terminal!.pid}/cmdline`, "utf8")).toContain("claude");

  const resolved = await api("POST", `/api/approvals/${approval.id}/resolve`, { option: "Allow" });
  expect(resolved.status, resolved.text).toBe(200);
  await waitFor(() => existsSync(target), { timeoutMs: 30_000, what: "the command to run" });

  // The turn ends: the session waits for its human, and a reply from the App API goes on.
  await waitFor(async () => (await terminalSession())?.state === "awaiting_input", {
    timeoutMs: 30_000,
    what: "the session to wait for its human",
  });
  const sent = await api("POST", `/api/sessions/${session!.id}/input`, {
    text: "REMOTE REPLY: now the changelog",
  });
  expect(sent.status, sent.text).toBe(200);
  await waitFor(
    () =>
      fake
        .turns()
        .some((t) =>
          JSON.stringify(t.body?.messages ?? []).includes("REMOTE REPLY: now the changelog"),
        ),
    {
      timeoutMs: 30_000,
      what: () => `the reply to reach the model; ${messages.length} SDK messages`,
    },
  );
});
