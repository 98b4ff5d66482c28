// The real Codex CLI with Tether's hooks, installed as a user installs them (`tether hooks
// install --codex`, which also has Codex trust them), against the fake OpenAI server, talking to
// the real daemon through `tether hook codex`. `codex app-server` stands in for the terminal: its
// client is the local user, who is asked (item/commandExecution/requestApproval) only when the
// hook did not decide. Codex asks its PermissionRequest hook before its own prompt, so Tether's
// wait is bounded: with no answer in time the hook says `{}` and the local prompt shows.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { codexConfigToml, execCommand, type FakeOpenAI, startFakeOpenAI } from "../fakes/openai.js";
import { type AgentSandbox, agentSandbox, processesMentioning } from "../fakes/support.js";
import { runCli, userEnv } from "../helpers/cli.js";
import {
  type AppServer,
  commandItems,
  startAppServer,
  startTurn,
  type ThreadStartResult,
  turnCompleted,
} from "../helpers/codex-app-server.js";
import { callApi, daemonEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

/** A full garbage collection, on demand: a timer that is only weakly held (an
 * AbortSignal.timeout inside AbortSignal.any, on Node 20) is lost to it and never fires. */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** A real Codex turn takes seconds, more on a busy machine; the waits inside each test say what
 * is slow when one is. */
const REAL_CODEX = { timeout: 90_000 };

const TOKEN = "terminal-codex-token-0123456789abcdef0123456789";
const LOCAL_PROMPT = "item/commandExecution/requestApproval";

let fake: FakeOpenAI;
let box: AgentSandbox;
let daemon: Daemon | undefined;
let codex: AppServer | undefined;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  box = agentSandbox("tether-hooked-codex-");
  writeFileSync(join(box.home, "config.toml"), codexConfigToml(fake.url));
});

afterEach(async () => {
  await codex?.close();
  codex = undefined;
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 10_000,
    what: "codex and its hooks to exit",
  });
  await daemon?.close();
  daemon = undefined;
  await fake.close();
  box.remove();
});

const api = (method: string, path: string, body?: unknown) =>
  callApi(daemon!.url, TOKEN, method, path, body);

/** The user's environment: HOME and CODEX_HOME in the sandbox, and where `tether hook` finds
 * the daemon; no config file of the developer's is read. */
function userEnvironment(): NodeJS.ProcessEnv {
  return userEnv(box.root, {
    CODEX_HOME: box.home,
    // Read by the fake provider's env_key.
    OPENAI_API_KEY: "sk-fake",
    // Keeps the sandbox helper's scratch dirs inside the test's own dir.
    TMPDIR: box.tmp,
    TETHER_API_URL: daemon!.url,
    TETHER_AGENT_TOKEN: TOKEN,
    TETHER_CONFIG: join(box.root, "no-tether-config.json"),
  });
}

/** The daemon with short waits, Tether's hooks installed and trusted, and a Codex thread whose
 * local user says yes to its own prompt, when asked at all (so a hook that did not decide shows
 * as a command that ran). */
async function hookedCodex(waits: { permissionS: number; stopS: number }) {
  daemon = await startDaemon(
    loadConfig({
      env: daemonEnv(join(box.root, "data"), { TETHER_AGENT_TOKEN: TOKEN }),
      cwd: box.root,
    }),
    { hookWaits: { permissionS: { codex: waits.permissionS }, stopS: waits.stopS } },
  );
  const env = userEnvironment();
  const installed = await runCli(["hooks", "install", "--codex"], {
    cwd: box.root,
    env,
    timeoutMs: 60_000,
  });
  expect(installed.code, installed.stderr).toBe(0);
  expect(installed.stdout).toMatch(/trusted \d+ hooks in Codex/);
  expect(installed.stdout).toContain("the hooks reach it");

  const localPromptAt: number[] = [];
  codex = await startAppServer({
    cwd: box.workspace,
    env,
    answer: (method) => {
      if (method !== LOCAL_PROMPT) return {};
      localPromptAt.push(Date.now());
      return { decision: "accept" };
    },
  });
  const { thread } = await codex.request<ThreadStartResult>("thread/start", {
    cwd: box.workspace,
    approvalPolicy: "on-request",
    sandbox: "workspace-write",
  });
  return { rpc: codex, thread, localPromptAt };
}

interface Approval {
  id: string;
  session_id: string;
  title: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  status: string;
  resolved_at: string | null;
}
interface TetherEvent {
  type: string;
  data: Record<string, unknown>;
}

const pendingApproval = () =>
  waitFor(
    async () =>
      ((await api("GET", "/api/approvals?status=pending")).body.approvals as Approval[])[0],
    { timeoutMs: 30_000, what: "Codex's permission request to reach Tether" },
  );

const events = async (sessionId: string) =>
  (await api("GET", `/api/sessions/${sessionId}/events?since_seq=0`)).body.events as TetherEvent[];

/** The finished runs of one of Codex's hook events (hook/completed), e.g. "permissionRequest". */
function hookRuns(rpc: AppServer, eventName: string): Record<string, unknown>[] {
  return rpc.notifications.flatMap((n) => {
    const run = n.params?.run as Record<string, unknown> | undefined;
    return n.method === "hook/completed" && run?.eventName === eventName ? [run] : [];
  });
}

/** A command the model asks to run outside the sandbox, which Codex asks permission for. */
function escalated(name: string) {
  const target = join(box.workspace, name);
  fake.when(
    `make ${name}`,
    execCommand(`echo made-${name} && touch ${target}`, {
      escalate: `Needs to write ${name}`,
    }),
  );
  return target;
}

describe("a permission prompt of Codex in a terminal", () => {
  it(
    "becomes a Tether approval in the thread's session; allowed remotely, the command runs and the terminal is never asked",
    REAL_CODEX,
    async () => {
      const { rpc, thread, localPromptAt } = await hookedCodex({ permissionS: 60, stopS: 1 });
      const target = escalated("allowed");
      const turnId = await startTurn(rpc, thread.id, "please make allowed");

      const approval = await pendingApproval();
      expect(approval).toMatchObject({
        tool_name: "Bash",
        title: `Bash: echo made-allowed && touch ${target}`,
        tool_input: {
          command: `echo made-allowed && touch ${target}`,
          description: "Needs to write allowed",
        },
      });
      const session = (await api("GET", `/api/sessions/${approval.session_id}`)).body;
      expect(session).toMatchObject({
        kind: "codex_terminal",
        agent_session_id: thread.id,
        directory: box.workspace,
        name: "please make allowed",
      });
      // The hooks named Codex's process (the app-server here, as a TUI in a terminal) and the
      // thread's rollout as its transcript.
      expect(session.terminal).toMatchObject({ pid: rpc.pid, running: true });
      expect(session.terminal.transcript_path).toMatch(
        new RegExp(`rollout-.*${thread.id}\\.jsonl$`),
      );
      expect(existsSync(target)).toBe(false);

      const resolved = await api("POST", `/api/approvals/${approval.id}/resolve`, {
        option: "Allow",
      });
      expect(resolved.status, resolved.text).toBe(200);
      const done = await turnCompleted(rpc, turnId, 30_000);
      expect(done.params?.turn).toMatchObject({ status: "completed" });
      expect(existsSync(target)).toBe(true);
      expect(commandItems(rpc).map((item) => item.status)).toEqual(["completed"]);
      expect(localPromptAt).toEqual([]);
      // Codex took Tether's hooks as they are (it warns about one it has to change).
      expect(rpc.notifications.filter((n) => n.method === "warning").map((n) => n.params)).toEqual(
        [],
      );

      // What Codex reported through the other hooks: the prompt typed at the terminal, the tool
      // call and its output (PostToolUse), the last message (Stop).
      const timeline = await events(session.id);
      expect(timeline.filter((e) => e.type === "human_input").map((e) => e.data)).toEqual([
        expect.objectContaining({ text: "please make allowed", sender: "terminal" }),
      ]);
      const outputs = timeline.filter((e) => e.type === "output").map((e) => e.data);
      expect(outputs).toEqual([
        expect.objectContaining({
          kind: "tool_call",
          text: `Bash: echo made-allowed && touch ${target}`,
          metadata: { tool: "Bash", tool_use_id: commandItems(rpc)[0]?.id },
        }),
        expect.objectContaining({ kind: "tool_result", text: "made-allowed\n" }),
        expect.objectContaining({ kind: "text", text: expect.stringContaining("Tool finished:") }),
      ]);
      expect((await api("GET", `/api/sessions/${session.id}`)).body.state).toBe("awaiting_input");
    },
  );

  it(
    "denied remotely, the command does not run and the terminal is never asked",
    REAL_CODEX,
    async () => {
      const { rpc, thread, localPromptAt } = await hookedCodex({ permissionS: 60, stopS: 1 });
      const target = escalated("denied");
      const turnId = await startTurn(rpc, thread.id, "please make denied");

      const approval = await pendingApproval();
      const resolved = await api("POST", `/api/approvals/${approval.id}/resolve`, {
        option: "Deny",
      });
      expect(resolved.status, resolved.text).toBe(200);
      const done = await turnCompleted(rpc, turnId, 30_000);
      expect(done.params?.turn).toMatchObject({ status: "completed" });
      expect(existsSync(target)).toBe(false);
      // Refused by the hook, the command never started.
      expect(commandItems(rpc)).toEqual([]);
      expect(localPromptAt).toEqual([]);
      expect(hookRuns(rpc, "permissionRequest")).toEqual([
        expect.objectContaining({
          status: "blocked",
          entries: [{ kind: "feedback", text: "Denied by api (through Tether)" }],
        }),
      ]);
      // The model is told who said no.
      expect(fake.toolOutputs()[0]?.output).toContain("Denied by api (through Tether)");
    },
  );

  it(
    "unanswered within the bound, gives the terminal its own prompt, and the Tether approval is withdrawn",
    REAL_CODEX,
    async () => {
      const { rpc, thread, localPromptAt } = await hookedCodex({ permissionS: 2, stopS: 1 });
      const target = escalated("local");
      const turnId = await startTurn(rpc, thread.id, "please make local");

      const approval = await pendingApproval();
      // However busy the daemon is meanwhile, the bound holds.
      collectGarbage();
      const done = await turnCompleted(rpc, turnId, 30_000);
      expect(done.params?.turn).toMatchObject({ status: "completed" });
      // The local user was asked, and said yes: the command ran.
      expect(localPromptAt).toHaveLength(1);
      expect(existsSync(target)).toBe(true);
      expect(commandItems(rpc).map((item) => item.status)).toEqual(["completed"]);

      const withdrawn = (await api("GET", `/api/approvals/${approval.id}`)).body as Approval;
      expect(withdrawn).toMatchObject({ status: "cancelled", decision: null });
      // Only after Tether gave up was the terminal asked: the hook comes first in Codex.
      expect(Date.parse(withdrawn.resolved_at!)).toBeLessThanOrEqual(localPromptAt[0]!);
      expect(
        (await events(approval.session_id)).find((e) => e.type === "approval_resolved")?.data,
      ).toMatchObject({
        status: "cancelled",
        reason: "not answered within 2 s; the terminal asks",
      });
      // No decision for a request that is gone.
      const late = await api("POST", `/api/approvals/${approval.id}/resolve`, { option: "Allow" });
      expect(late.status).toBe(409);
    },
  );

  it(
    "interrupted at the terminal while Tether waits, the approval is withdrawn at once",
    REAL_CODEX,
    async () => {
      const { rpc, thread, localPromptAt } = await hookedCodex({ permissionS: 60, stopS: 1 });
      const target = escalated("interrupted");
      const turnId = await startTurn(rpc, thread.id, "please make interrupted");
      const approval = await pendingApproval();

      // Esc in the TUI: Codex ends the turn and kills the parked hook.
      await rpc.request("turn/interrupt", { threadId: thread.id, turnId });
      const done = await turnCompleted(rpc, turnId, 30_000);
      expect(done.params?.turn).toMatchObject({ status: "interrupted" });
      const withdrawn = await waitFor(
        async () => {
          const a = (await api("GET", `/api/approvals/${approval.id}`)).body as Approval;
          return a.status !== "pending" && a;
        },
        { timeoutMs: 5_000, what: "the approval to be withdrawn (well within the 60 s bound)" },
      );
      expect(withdrawn).toMatchObject({ status: "cancelled", decision: null });
      expect(
        (await events(approval.session_id)).find((e) => e.type === "approval_resolved")?.data,
      ).toMatchObject({ status: "cancelled", reason: "the terminal stopped waiting" });
      expect(
        (await api("POST", `/api/approvals/${approval.id}/resolve`, { option: "Allow" })).status,
      ).toBe(409);
      expect(existsSync(target)).toBe(false);
      expect(localPromptAt).toEqual([]);
    },
  );
});

describe("the end of a Codex turn in a terminal", () => {
  it(
    "waits for the human, and a reply from the App API becomes the model's next request",
    REAL_CODEX,
    async () => {
      const { rpc, thread } = await hookedCodex({ permissionS: 60, stopS: 30 });
      await startTurn(rpc, thread.id, "summarise the repo");

      const session = await waitFor(
        async () => {
          const sessions = (await api("GET", "/api/sessions")).body.sessions as {
            id: string;
            state: string;
            agent_session_id: string;
          }[];
          return sessions.find(
            (s) => s.agent_session_id === thread.id && s.state === "awaiting_input",
          );
        },
        { timeoutMs: 30_000, what: "the session to wait for its human" },
      );
      expect(fake.turns()).toHaveLength(1);
      const sent = await api("POST", `/api/sessions/${session.id}/input`, {
        text: "REMOTE REPLY: now the changelog",
      });
      expect(sent.status, sent.text).toBe(200);

      const next = await waitFor(() => fake.turns()[1], {
        timeoutMs: 30_000,
        what: "the model's next request",
      });
      expect(next.turn?.userText).toMatch(
        /<hook_prompt[^>]*>[\s\S]*REMOTE REPLY: now the changelog[\s\S]*<\/hook_prompt>/,
      );
      const states = (await events(session.id))
        .filter((e) => e.type === "state")
        .map((e) => e.data);
      expect(states).toContainEqual(
        expect.objectContaining({
          from: "awaiting_input",
          to: "running",
          reason: "a reply through Tether",
        }),
      );
    },
  );
});

it("ends the Tether session when Codex exits", REAL_CODEX, async () => {
  const { rpc, thread } = await hookedCodex({ permissionS: 60, stopS: 1 });
  await turnCompleted(rpc, await startTurn(rpc, thread.id, "hello"), 30_000);
  await rpc.quit();
  const session = await waitFor(
    async () => {
      const sessions = (await api("GET", "/api/sessions")).body.sessions as {
        id: string;
        state: string;
        agent_session_id: string;
      }[];
      return sessions.find((s) => s.agent_session_id === thread.id && s.state === "done");
    },
    { timeoutMs: 5_000, what: "the session to end" },
  );
  expect((await events(session.id)).at(-1)?.data).toMatchObject({
    to: "done",
    reason: "ended in the terminal (other)",
  });
});
