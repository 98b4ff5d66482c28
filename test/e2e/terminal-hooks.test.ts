// The terminal hooks through the real daemon and the real forwarder (`tether hook <agent>`, the
// command the installed hooks run), fed the payloads Claude Code and Codex send: a terminal
// session appears keyed by the agent's session id; a permission prompt becomes an approval whose
// remote answer the hook returns, or which is withdrawn as answered at the terminal; the end of a
// turn waits for a reply and hands it to the agent; with the daemon down the hook says `{}` at once.
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { userEnv } from "../helpers/cli.js";
import { CLI, callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "terminal-hooks-token-0123456789abcdef0123456789";
const AGENT_SESSION = "6f1c2d4e-0000-4000-8000-00000000c1a0";

let dir: ReturnType<typeof tempDir>;
let daemon: Daemon;
beforeEach(async () => {
  dir = tempDir("tether-hooks-");
  daemon = await start();
});
afterEach(async () => {
  await daemon.close();
  dir.remove();
});

function start(stopS = 1): Promise<Daemon> {
  const config = loadConfig({
    env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }),
    cwd: dir.path,
  });
  return startDaemon(config, { hookWaits: { permissionS: { codex: 1 }, stopS } });
}

const api = (method: string, path: string, body?: unknown) =>
  callApi(daemon.url, TOKEN, method, path, body);

/** Runs the forwarder as the agent would: the hook's JSON on stdin, its answer on stdout. */
function hook(
  agent: string,
  input: Record<string, unknown>,
  env: Record<string, string> = { TETHER_API_URL: daemon.url, TETHER_AGENT_TOKEN: TOKEN },
): Promise<{ out: unknown; code: number | null; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, "hook", agent], {
    env: userEnv(dir.path, env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve) => {
    child.on("exit", (code) =>
      resolve({ out: JSON.parse(stdout || "null"), code, ms: Date.now() - started }),
    );
  });
}

const base = (event: string, extra: Record<string, unknown> = {}) => ({
  session_id: AGENT_SESSION,
  transcript_path: `/home/ada/.claude/projects/-home-ada-app/${AGENT_SESSION}.jsonl`,
  cwd: "/home/ada/app",
  permission_mode: "default",
  hook_event_name: event,
  ...extra,
});
const bash = { tool_name: "Bash", tool_input: { command: "npm test", description: "Run tests" } };

async function terminalSession() {
  const sessions = (await api("GET", "/api/sessions")).body.sessions as {
    id: string;
    kind: string;
    agent_session_id: string;
    state: string;
    directory: string;
  }[];
  return sessions.find((s) => s.agent_session_id === AGENT_SESSION);
}

const pendingApprovals = async () =>
  (await api("GET", "/api/approvals?status=pending")).body.approvals as {
    id: string;
    title: string;
    options: string[];
    tool_name: string;
  }[];

describe("a permission prompt in a terminal session", () => {
  it("becomes an approval, and the remote answer is the hook's decision", async () => {
    const asked = hook("claude", base("PermissionRequest", bash));
    const [approval] = await waitFor(async () => {
      const pending = await pendingApprovals();
      return pending.length > 0 && pending;
    });
    expect(approval).toMatchObject({ title: "Bash: npm test", tool_name: "Bash" });
    expect(approval!.options).toEqual(["Allow", "Deny", "Allow Bash for this session"]);
    const session = await terminalSession();
    expect(session).toMatchObject({ kind: "claude_terminal", directory: "/home/ada/app" });

    const resolved = await api("POST", `/api/approvals/${approval!.id}/resolve`, {
      option: "Allow",
    });
    expect(resolved.status, resolved.text).toBe(200);
    const answer = await asked;
    expect(answer.code).toBe(0);
    expect(answer.out).toEqual({
      hookSpecificOutput: { hookEventName: "PermissionRequest", decision: { behavior: "allow" } },
    });
  });

  it("denies when denied, and a session rule answers the next one at once", async () => {
    const first = hook("claude", base("PermissionRequest", bash));
    const [a] = await waitFor(async () => {
      const p = await pendingApprovals();
      return p.length > 0 && p;
    });
    await api("POST", `/api/approvals/${a!.id}/resolve`, { option: "Deny" });
    expect((await first).out).toMatchObject({
      hookSpecificOutput: { decision: { behavior: "deny" } },
    });

    const second = hook("claude", base("PermissionRequest", bash));
    const [b] = await waitFor(async () => {
      const p = await pendingApprovals();
      return p.length > 0 && p;
    });
    await api("POST", `/api/approvals/${b!.id}/resolve`, { option: "Allow Bash for this session" });
    expect((await second).out).toMatchObject({
      hookSpecificOutput: { decision: { behavior: "allow" } },
    });
    // Covered by the rule: answered in the request's own commit, nobody is asked.
    const third = await hook(
      "claude",
      base("PermissionRequest", { ...bash, tool_input: { command: "ls" } }),
    );
    expect(third.out).toMatchObject({ hookSpecificOutput: { decision: { behavior: "allow" } } });
    expect(await pendingApprovals()).toEqual([]);
  });

  it("is withdrawn as answered at the terminal when the tool runs without the hook's answer", async () => {
    const asked = hook("claude", base("PermissionRequest", bash));
    const [approval] = await waitFor(async () => {
      const p = await pendingApprovals();
      return p.length > 0 && p;
    });
    // The user pressed "1" in the terminal: Claude Code runs the tool and reports it.
    const after = await hook(
      "claude",
      base("PostToolUse", { ...bash, tool_use_id: "toolu_1", tool_response: { stdout: "ok" } }),
    );
    expect(after.out).toEqual({});
    const withdrawn = (await api("GET", `/api/approvals/${approval!.id}`)).body;
    expect(withdrawn).toMatchObject({ status: "cancelled", decision: null });
    // The parked hook is answered too, with nothing to decide.
    expect((await asked).out).toEqual({});
    // No decision for a request that is gone.
    const late = await api("POST", `/api/approvals/${approval!.id}/resolve`, { option: "Allow" });
    expect(late.status).toBe(409);
    const session = await terminalSession();
    const events = (await api("GET", `/api/sessions/${session!.id}/events?since_seq=0`)).body
      .events as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === "approval_resolved")?.data).toMatchObject({
      status: "cancelled",
      reason: "answered at the terminal",
    });
    expect(events.filter((e) => e.type === "output").map((e) => e.data.kind)).toEqual([
      "tool_call",
      "tool_result",
    ]);
  });

  it("matches a command run at the terminal by its text, as Codex reports it without the description", async () => {
    const asked = hook("claude", base("PermissionRequest", bash));
    const [approval] = await waitFor(async () => {
      const p = await pendingApprovals();
      return p.length > 0 && p;
    });
    await hook(
      "claude",
      base("PostToolUse", {
        tool_name: "Bash",
        tool_input: { command: "npm test" },
        tool_response: "ok",
      }),
    );
    expect((await asked).out).toEqual({});
    const session = await terminalSession();
    const events = (await api("GET", `/api/sessions/${session!.id}/events?since_seq=0`)).body
      .events as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === "approval_resolved")?.data).toMatchObject({
      request_id: approval!.id,
      status: "cancelled",
      reason: "answered at the terminal",
    });
  });

  it("gives Codex's terminal its prompt back when nobody answers in time", async () => {
    const answer = await hook("codex", base("PermissionRequest", bash));
    expect(answer.out).toEqual({});
    const approvals = (await api("GET", "/api/approvals?status=cancelled")).body.approvals;
    expect(approvals).toHaveLength(1);
    expect((await terminalSession())?.kind).toBe("codex_terminal");
  });
});

describe("the end of a turn in a terminal session", () => {
  it("waits for the human, and hands a reply from the App API to the agent", async () => {
    const stopped = hook("claude", base("Stop", { last_assistant_message: "All tests pass." }));
    const session = await waitFor(async () => {
      const s = await terminalSession();
      return s?.state === "awaiting_input" && s;
    });
    const sent = await api("POST", `/api/sessions/${session.id}/input`, {
      text: "now update the changelog",
    });
    expect(sent.status, sent.text).toBe(200);
    expect((await stopped).out).toEqual({
      decision: "block",
      reason: "The user replied through Tether:\n\nnow update the changelog",
    });
    expect((await terminalSession())?.state).toBe("running");
    // Handed over once: the next Stop has nothing to give.
    expect((await hook("claude", base("Stop", { stop_hook_active: true }))).out).toEqual({});
  });

  it("lets go of the turn's end at once when the user types a prompt at the terminal", async () => {
    // Holds of a minute: only the typed prompt can end this one soon.
    await daemon.close();
    daemon = await start(60);
    const stopped = hook("claude", base("Stop", { last_assistant_message: "Done." }));
    await waitFor(async () => (await terminalSession())?.state === "awaiting_input");
    // The terminal shows what was typed as queued until the Stop hook returns.
    const typed = await hook("claude", base("UserPromptSubmit", { prompt: "one more thing" }));
    expect(typed.out).toEqual({});
    const released = await stopped;
    expect(released.out).toEqual({});
    expect(released.ms).toBeLessThan(30_000);
    // A reply sent from the phone now waits for the next turn's end.
    const session = await terminalSession();
    await api("POST", `/api/sessions/${session!.id}/input`, { text: "from the phone" });
    const next = await hook("claude", base("Stop", { last_assistant_message: "Also done." }));
    expect(next.out).toMatchObject({
      decision: "block",
      reason: expect.stringContaining("from the phone"),
    });
  });

  it("hands over a reply sent while the agent was still working at its next Stop", async () => {
    await hook("claude", base("UserPromptSubmit", { prompt: "fix the flaky test" }));
    const session = await terminalSession();
    expect(session).toMatchObject({ state: "running" });
    await api("POST", `/api/sessions/${session!.id}/input`, { text: "and run it twice" });
    const stopped = await hook("claude", base("Stop", { last_assistant_message: "Fixed." }));
    expect(stopped.out).toEqual({
      decision: "block",
      reason: "The user replied through Tether:\n\nand run it twice",
    });
    const events = (await api("GET", `/api/sessions/${session!.id}/events?since_seq=0`)).body
      .events as { type: string; data: Record<string, unknown> }[];
    // The prompt typed at the terminal is shown, as the terminal's, and never handed back.
    expect(events.filter((e) => e.type === "human_input").map((e) => e.data.sender)).toEqual([
      "terminal",
      expect.stringMatching(/^api|^cli/),
    ]);
    expect((await api("GET", `/api/sessions/${session!.id}`)).body.name).toBe("fix the flaky test");
  });
});

it("refuses to interrupt a terminal session, which only its terminal can", async () => {
  await hook("claude", base("UserPromptSubmit", { prompt: "refactor the parser" }));
  const session = await terminalSession();
  const interrupted = await api("POST", `/api/sessions/${session!.id}/interrupt`, {});
  expect(interrupted.status).toBe(409);
  expect(interrupted.body.error.message).toMatch(/interrupted at its terminal/);
  expect((await terminalSession())?.state).toBe("running");
});

describe("failing open", () => {
  it("answers {} at once when the daemon is down or refuses the token", async () => {
    const down = await hook("claude", base("PermissionRequest", bash), {
      TETHER_API_URL: "http://127.0.0.1:9",
      TETHER_AGENT_TOKEN: TOKEN,
    });
    expect(down).toMatchObject({ out: {}, code: 0 });
    expect(down.ms).toBeLessThan(1000);
    const refused = await hook("claude", base("PermissionRequest", bash), {
      TETHER_API_URL: daemon.url,
      TETHER_AGENT_TOKEN: "not-the-token-0123456789abcdef0123456789",
    });
    expect(refused).toMatchObject({ out: {}, code: 0 });
    expect(await pendingApprovals()).toEqual([]);
  });

  it("answers {} for an agent Tether runs itself, without asking the daemon", async () => {
    const own = await hook("claude", base("PermissionRequest", bash), {
      TETHER_API_URL: daemon.url,
      TETHER_AGENT_TOKEN: TOKEN,
      AGENT_SUPERVISOR: "tether",
    });
    expect(own.out).toEqual({});
    expect(await terminalSession()).toBeUndefined();
  });

  it("refuses malformed input with a 400 naming the field, and the hook still says {}", async () => {
    const bad = await api("POST", "/api/hooks/claude", { hook_event_name: "Stop" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("session_id");
    expect((await api("POST", "/api/hooks/gemini", base("Stop"))).status).toBe(400);
    expect((await hook("claude", { hook_event_name: "Stop" })).out).toEqual({});
  });
});

it("keeps the same session across hook calls and a daemon restart", async () => {
  await hook("claude", base("UserPromptSubmit", { prompt: "first" }));
  const before = await terminalSession();
  await daemon.close();
  daemon = await start();
  await hook("claude", base("UserPromptSubmit", { prompt: "second" }));
  const sessions = (await api("GET", "/api/sessions")).body.sessions;
  expect(sessions).toHaveLength(1);
  expect(sessions[0].id).toBe(before!.id);
});
