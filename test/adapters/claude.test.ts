// Claude Code sessions run by Tether: the real Claude Code CLI, through the Agent SDK, against
// the fake Anthropic API. Approvals, input, interrupts and restarts all go over the App API of
// a real daemon, as the web app and the CLI would use them.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { askUserQuestion, bash, slowText } from "../fakes/anthropic.js";
import { processesMentioning } from "../fakes/support.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";
import { useClaudeRig } from "./claude-rig.js";

const TOKEN = "claude-adapter-token-0123456789abcdef0123456789";

const rig = useClaudeRig("tether-claude-adapter-");

const agentEnv = (extra: Record<string, string> = {}) => rig.agentEnv(extra);

const daemon = (env?: Record<string, string>): Promise<TestDaemon> =>
  rig.daemon({ token: TOKEN, ...(env ? { env } : {}) });

async function newSession(d: TestDaemon, prompt: string, kind = "claude"): Promise<string> {
  const res = await d.api("POST", "/api/sessions", { kind, directory: rig.box.workspace, prompt });
  expect(res.status).toBe(201);
  expect(res.body.kind).toBe(kind === "claude" ? "claude_auto" : kind);
  return res.body.id;
}

async function state(d: TestDaemon, id: string): Promise<string> {
  return (await d.api("GET", `/api/sessions/${id}`)).body.state;
}

async function waitForState(d: TestDaemon, id: string, wanted: string, afterSeq = 0) {
  let seen: unknown;
  return waitFor(
    async () => {
      const s = (await d.api("GET", `/api/sessions/${id}`)).body;
      seen = s;
      return s.state === wanted && s.last_seq > afterSeq ? s : undefined;
    },
    {
      timeoutMs: 20_000,
      // Enough to tell where a stuck turn stopped: the session and what the model was asked.
      what: () =>
        `session ${id} to be ${wanted}; last seen ${JSON.stringify(seen)}; model requests ${JSON.stringify(
          rig.fake.requests.map((r) => [r.kind, r.turn?.userText.slice(0, 80), r.turn?.toolResult]),
        )}`,
    },
  );
}

interface Event {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

async function events(d: TestDaemon, id: string): Promise<Event[]> {
  return (await d.api("GET", `/api/sessions/${id}/events`)).body.events;
}

async function outputs(d: TestDaemon, id: string, kind: string): Promise<string[]> {
  return (await events(d, id))
    .filter((e) => e.type === "output" && e.data.kind === kind)
    .map((e) => String(e.data.text));
}

async function pendingApproval(d: TestDaemon, id: string) {
  return waitFor(
    async () => (await d.api("GET", `/api/sessions/${id}/approvals`)).body.approvals[0],
    { timeoutMs: 20_000, what: "an approval to be asked" },
  );
}

function resolve(d: TestDaemon, approvalId: string, body: Record<string, unknown>) {
  return d.api("POST", `/api/approvals/${approvalId}/resolve`, body);
}

describe("Claude Code adapter", () => {
  it("runs a text turn: running, the answer as output, then waiting for the human", async () => {
    const d = await daemon();
    const id = await newSession(d, "hello fake");
    const session = await waitForState(d, id, "awaiting_input", 1);
    expect(session.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
    // Tokens and cost come from Claude's result message.
    expect(session.usage.input_tokens).toBeGreaterThan(0);
    expect(session.usage.output_tokens).toBeGreaterThan(0);
    expect(session.usage.cost_usd).toBeGreaterThan(0);
    expect(await outputs(d, id, "text")).toEqual(["Echo: hello fake"]);
    const moves = (await events(d, id)).filter((e) => e.type === "state").map((e) => e.data.to);
    expect(moves).toEqual(["created", "running", "awaiting_input"]);
    expect(rig.fake.turns()[0]?.headers["x-api-key"]).toBe("sk-fake");
  });

  it("asks before running a shell command; Allow runs it", async () => {
    const target = join(rig.box.workspace, "allowed.txt");
    rig.fake.when("make a file", bash(`touch ${target}`));
    const d = await daemon();
    const id = await newSession(d, "please make a file");

    const approval = await pendingApproval(d, id);
    expect(approval).toMatchObject({
      title: `Bash: touch ${target}`,
      tool_name: "Bash",
      tool_input: expect.objectContaining({ command: `touch ${target}` }),
      options: ["Allow", "Deny", "Allow Bash for this session"],
    });
    expect(existsSync(target)).toBe(false);
    expect(await state(d, id)).toBe("running");

    expect((await resolve(d, approval.id, { option: "Allow", decided_by: "web" })).status).toBe(
      200,
    );
    await waitForState(d, id, "awaiting_input", approval.seq);
    expect(existsSync(target)).toBe(true);
    expect(await outputs(d, id, "tool_call")).toEqual([`Bash: touch ${target}`]);
    expect(await outputs(d, id, "tool_result")).toEqual(["(Bash completed with no output)"]);
  });

  it("Deny keeps the command from running and tells the agent why", async () => {
    const target = join(rig.box.workspace, "denied.txt");
    rig.fake.when("make a file", bash(`touch ${target}`));
    const d = await daemon();
    const id = await newSession(d, "please make a file");

    const approval = await pendingApproval(d, id);
    await resolve(d, approval.id, { option: "Deny", decided_by: "web", message: "not on main" });
    await waitForState(d, id, "awaiting_input", approval.seq);
    expect(existsSync(target)).toBe(false);
    expect(rig.fake.toolResults()).toEqual([
      expect.objectContaining({ content: "not on main", isError: true }),
    ]);
  });

  it("'Allow Bash for this session' approves later Bash calls by rule; input starts a new turn", async () => {
    const first = join(rig.box.workspace, "one.txt");
    const second = join(rig.box.workspace, "two.txt");
    rig.fake.when("first file", bash(`touch ${first}`));
    rig.fake.when("second file", bash(`touch ${second}`));
    const d = await daemon();
    const id = await newSession(d, "make the first file");

    const approval = await pendingApproval(d, id);
    await resolve(d, approval.id, {
      option: "Allow Bash for this session",
      decided_by: "cli:phone",
    });
    const done = await waitForState(d, id, "awaiting_input", approval.seq);
    expect(existsSync(first)).toBe(true);

    const input = await d.api("POST", `/api/sessions/${id}/input`, { text: "now the second file" });
    expect(input.status).toBe(200);
    await waitForState(d, id, "awaiting_input", done.last_seq + 1);
    expect(existsSync(second)).toBe(true);
    const answered = (await d.api("GET", `/api/approvals?status=resolved&session_id=${id}`)).body
      .approvals;
    expect(answered.map((a: { decided_by: string }) => a.decided_by).sort()).toEqual([
      "cli:phone",
      expect.stringMatching(/^rule:rule_[0-9a-z]{16}$/),
    ]);
  });

  it("interrupts a slow turn; the session waits for the human and takes the next message", async () => {
    rig.fake.when("go slow", slowText("tick ", 400, 50));
    const d = await daemon();
    const id = await newSession(d, "go slow");
    await waitFor(() => rig.fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 20_000,
      what: "the slow answer to start streaming",
    });

    const res = await fetch(`${d.url}/api/sessions/${id}/interrupt`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const stopped = await waitForState(d, id, "awaiting_input");
    expect(rig.fake.turns().find((r) => r.reply?.type === "slow_text")?.aborted).toBe(true);

    await d.api("POST", `/api/sessions/${id}/input`, { text: "are you there" });
    await waitForState(d, id, "awaiting_input", stopped.last_seq + 1);
    expect((await outputs(d, id, "text")).at(-1)).toContain("Echo:");
  });

  it("resumes the same Claude session after the daemon restarts", async () => {
    let d = await daemon();
    const id = await newSession(d, "remember the word kiwi");
    const before = await waitForState(d, id, "awaiting_input", 1);
    await d.close();
    await waitFor(() => processesMentioning(rig.box.root).length === 0, {
      timeoutMs: 10_000,
      what: "the first daemon's agent to exit",
    });

    d = await daemon();
    expect(await state(d, id)).toBe("awaiting_input");
    await d.api("POST", `/api/sessions/${id}/input`, { text: "what was the word" });
    const after = await waitForState(d, id, "awaiting_input", before.last_seq + 1);
    expect(after.agent_session_id).toBe(before.agent_session_id);
    // The model saw the earlier turn: the conversation was resumed, not started afresh.
    const last = rig.fake.turns().at(-1)!;
    const said = JSON.stringify(last.body?.messages);
    expect(said).toContain("remember the word kiwi");
    expect(said).toContain("what was the word");
  });

  it("says how to log in when Claude Code has no login", async () => {
    const env = agentEnv();
    delete env.ANTHROPIC_API_KEY;
    const d = await daemon(env);
    const id = await newSession(d, "hello", "claude_subprocess");
    const failed = await waitForState(d, id, "error");
    expect(failed.error).toMatch(/Claude Code is not logged in: run `claude`/);
    // The message stays queued: it is delivered once the agent can run.
    const queued = await d.api("GET", `/external/sessions/${id}/input?timeout=0`);
    expect(queued.body).toMatchObject({ type: "human_input", data: { text: "hello" } });
  });
});

describe("Claude Code asking the human a question", () => {
  it("shows the choices as an approval and hands the one picked back to Claude", async () => {
    rig.fake.when("pick a color", askUserQuestion("Which color should I use?", ["Red", "Blue"]));
    const d = await daemon();
    const id = await newSession(d, "pick a color for the button");

    const question = await pendingApproval(d, id);
    expect(question).toMatchObject({
      title: "Which color should I use?",
      options: ["Red", "Blue"],
    });
    await resolve(d, question.id, { option: "Blue", decided_by: "phone" });
    await waitForState(d, id, "awaiting_input", question.seq);
    expect(rig.fake.toolResults()).toEqual([
      expect.objectContaining({ isError: false, content: expect.stringContaining('="Blue"') }),
    ]);
  });
});

describe("Claude Code failing", () => {
  it("an agent process that dies mid-turn is a session error, and the next message restarts it", async () => {
    rig.fake.when("go slow", slowText("tick ", 400, 50));
    const d = await daemon();
    const id = await newSession(d, "go slow");
    await waitFor(() => rig.fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 20_000,
      what: "the slow answer to start streaming",
    });
    for (const pid of processesMentioning(rig.box.root)) process.kill(pid, "SIGKILL");

    const failed = await waitForState(d, id, "error");
    expect(failed.error).toMatch(/Claude Code (exited unexpectedly|failed)/);
    expect(await outputs(d, id, "error")).toEqual([failed.error]);

    await d.api("POST", `/api/sessions/${id}/input`, { text: "try again" });
    await waitForState(d, id, "awaiting_input", failed.last_seq);
    expect((await outputs(d, id, "text")).at(-1)).toContain("Echo:");
  });
});
