// Whether a terminal session's agent still runs. The hooks name the agent process (the nearest
// ancestor of `tether hook` that is not a shell); a session whose agent is gone without a
// SessionEnd (a closed terminal window, a kill -9) is ended and its permission prompt withdrawn,
// and one that died while the daemon was down is ended when the daemon starts again.
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { userEnv } from "../helpers/cli.js";
import { CLI, callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "terminal-liveness-token-0123456789abcdef01234567";
const AGENT_SESSION = "0b7f3a52-0000-4000-8000-0000000011fe";
const OTHER_SESSION = "0b7f3a52-0000-4000-8000-0000000022fe";
const TRANSCRIPT = `/home/ada/.claude/projects/-home-ada-app/${AGENT_SESSION}.jsonl`;

let dir: ReturnType<typeof tempDir>;
let daemon: Daemon;
const agents: ChildProcess[] = [];

beforeEach(() => {
  dir = tempDir("tether-liveness-");
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.kill("SIGKILL");
  await daemon.close();
  dir.remove();
});

function start(terminalCheckMs: number): Promise<Daemon> {
  const config = loadConfig({
    env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }),
    cwd: dir.path,
  });
  return startDaemon(config, { terminalCheckMs });
}

const api = (method: string, path: string, body?: unknown) =>
  callApi(daemon.url, TOKEN, method, path, body);

/** A stand-in for Claude Code: a process that runs one hook through a shell, as Claude Code
 * does, and then lives on until it is killed (or, with `exitAfter`, exits without SessionEnd). */
function fakeAgent(
  event: Record<string, unknown>,
  options: { exitAfter?: boolean; sessionId?: string } = {},
) {
  const input = JSON.stringify({
    session_id: options.sessionId ?? AGENT_SESSION,
    transcript_path: TRANSCRIPT,
    cwd: "/home/ada/app",
    ...event,
  });
  const script = `
    const { spawn } = require("node:child_process");
    const hook = spawn("/bin/sh", ["-c", ${JSON.stringify(`"${process.execPath}" "${CLI}" hook claude`)}],
      { stdio: ["pipe", "inherit", "inherit"] });
    hook.stdin.end(${JSON.stringify(input)});
    hook.on("exit", () => { process.stdout.write("hook done\\n"); ${options.exitAfter ? "process.exit(0);" : ""} });
    setInterval(() => {}, 60000);`;
  const agent = spawn(process.execPath, ["-e", script], {
    env: userEnv(dir.path, { TETHER_API_URL: daemon.url, TETHER_AGENT_TOKEN: TOKEN }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  agents.push(agent);
  let out = "";
  agent.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { agent, hookDone: () => out.includes("hook done") };
}

interface TerminalSession {
  id: string;
  state: string;
  error: string | null;
  terminal: {
    transcript_path: string | null;
    pid: number | null;
    process_start: string | null;
    running: boolean | null;
  } | null;
}

async function terminalSession(agentSession = AGENT_SESSION): Promise<TerminalSession | undefined> {
  const sessions = (await api("GET", "/api/sessions")).body.sessions as (TerminalSession & {
    agent_session_id: string;
  })[];
  return sessions.find((s) => s.agent_session_id === agentSession);
}

it("knows the agent's process and transcript, and ends the session when the agent is killed", async () => {
  daemon = await start(100);
  const { agent, hookDone } = fakeAgent({
    hook_event_name: "PermissionRequest",
    tool_name: "Bash",
    tool_input: { command: "npm test" },
  });
  const approval = await waitFor(
    async () => (await api("GET", "/api/approvals?status=pending")).body.approvals[0],
    { what: "the permission request" },
  );
  const session = await terminalSession();
  expect(session?.terminal).toMatchObject({
    transcript_path: TRANSCRIPT,
    // The shell between them is skipped: the agent is the process that ran the shell.
    pid: agent.pid,
    running: true,
  });
  expect(session?.terminal?.process_start).toMatch(/^\d+$/);
  expect(session?.state).not.toBe("done");
  // Another terminal session, whose agent lives on.
  const other = fakeAgent(
    { hook_event_name: "UserPromptSubmit", prompt: "hello" },
    { sessionId: OTHER_SESSION },
  );
  await waitFor(other.hookDone, { what: "the other agent's hook" });

  agent.kill("SIGKILL");
  const ended = await waitFor(
    async () => {
      const s = await terminalSession();
      return s?.state === "done" && s;
    },
    { what: "the session to end after its agent was killed" },
  );
  expect(ended.terminal?.running).toBe(false);
  // The same pass of the check saw the other agent, and left its session alone.
  expect(await terminalSession(OTHER_SESSION)).toMatchObject({
    state: "running",
    terminal: { pid: other.agent.pid, running: true },
  });
  const withdrawn = (await api("GET", `/api/approvals/${approval.id}`)).body;
  expect(withdrawn).toMatchObject({ status: "cancelled", decision: null });
  // The orphaned hook, still waiting on the daemon, was answered and went away.
  const events = (await api("GET", `/api/sessions/${ended.id}/events?since_seq=0`)).body.events as {
    type: string;
    data: Record<string, unknown>;
  }[];
  expect(events.find((e) => e.type === "approval_resolved")?.data).toMatchObject({
    status: "cancelled",
    reason: "the agent's process in the terminal exited",
  });
  expect(events.find((e) => e.type === "state" && e.data.to === "done")?.data).toMatchObject({
    reason: "the agent's process in the terminal exited",
  });
  expect(hookDone()).toBe(false);
});

it("ends, at start, a session whose agent exited while the daemon was down", async () => {
  // Checks far apart: this daemon never sees the agent go.
  daemon = await start(3_600_000);
  const { agent, hookDone } = fakeAgent(
    { hook_event_name: "UserPromptSubmit", prompt: "hello" },
    { exitAfter: true },
  );
  await waitFor(hookDone, { what: "the hook to finish" });
  await daemon.close();
  await waitFor(() => agent.exitCode !== null, { what: "the agent to exit" });

  daemon = await start(3_600_000);
  const ended = await waitFor(
    async () => {
      const s = await terminalSession();
      return s?.state === "done" && s;
    },
    { what: "the session to end at start" },
  );
  expect(ended.terminal).toMatchObject({ pid: agent.pid, running: false });
});
