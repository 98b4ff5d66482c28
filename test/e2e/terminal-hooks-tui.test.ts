// The real Claude Code CLI (the native one the Agent SDK ships), run interactively in a terminal
// (tmux) the way a person runs it, with Tether's hooks installed by `tether hooks install`,
// against the fake model, talking to the real daemon. The terminal's own permission dialog and
// Tether's approval race; the end of a turn waits for a reply from the phone; with the daemon
// down the terminal works as without Tether.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENT_MARKER } from "../../dist/adapters/agent-env.js";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { bash, type FakeAnthropic, startFakeAnthropic, text } from "../fakes/anthropic.js";
import {
  type AgentSandbox,
  agentSandbox,
  claudeEnv,
  processesMentioning,
} from "../fakes/support.js";
import { runCli, userEnv } from "../helpers/cli.js";
import { callApi, daemonEnv } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";
import { startTmux, type Tmux, tmuxSkipReason } from "../helpers/tmux.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "terminal-tui-token-0123456789abcdef0123456789abcd";
/** The CLI the Agent SDK bundles, its optional package for this platform (what
 * src/adapters/claude runs when no `claude` is on PATH). */
const CLAUDE = createRequire(import.meta.url).resolve(
  `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}/claude`,
);
const skip = tmuxSkipReason();
/** A hook of the user's own on the same events: Node started and nothing else. What Tether's
 * hook takes beyond it is what Tether adds; both run at once, so a busy machine slows both. */
const BARE_NODE_HOOK = `${process.execPath} -e "process.stdin.resume()"`;
const DIALOG = /Do you want to proceed\?/;
/** Each test starts a TUI (several seconds on a busy machine) and waits on it a few times. */
const TUI_TEST_MS = 90_000;

let fake: FakeAnthropic;
let box: AgentSandbox;
let userHome: string;
let daemon: Daemon | undefined;
let terminal: Tmux | undefined;

async function startTetherDaemon(stopWaitS: number): Promise<string> {
  daemon = await startDaemon(
    loadConfig({
      env: daemonEnv(join(box.root, "data"), { TETHER_AGENT_TOKEN: TOKEN }),
      cwd: box.root,
    }),
    { hookWaits: { stopS: stopWaitS } },
  );
  return daemon.url;
}

const api = (method: string, path: string, body?: unknown) =>
  callApi(daemon!.url, TOKEN, method, path, body);

/** A user's Claude Code config: onboarding done, this folder trusted, the classic permission
 * dialog (not auto mode), and `hooks` of their own; then Tether's hooks installed as a user
 * installs them. */
async function installHooks(tetherUrl: string, userHooks: Record<string, unknown> = {}) {
  writeFileSync(
    join(box.home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      theme: "dark",
      autoUpdates: false,
      customApiKeyResponses: { approved: ["sk-fake"], rejected: [] },
      projects: { [box.workspace]: { hasTrustDialogAccepted: true, allowedTools: [] } },
    }),
  );
  writeFileSync(
    join(box.home, "settings.json"),
    JSON.stringify({ permissions: { defaultMode: "default" }, hooks: userHooks }, null, 2),
  );
  const run = await runCli(["hooks", "install", "--claude"], {
    cwd: box.root,
    env: userEnv(userHome, { CLAUDE_CONFIG_DIR: box.home, ...tetherSettings(tetherUrl) }),
  });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain("added: PermissionRequest");
}

/** Where `tether hook` finds the daemon; no config file of the developer's is read. */
function tetherSettings(url: string): Record<string, string> {
  return {
    TETHER_API_URL: url,
    TETHER_AGENT_TOKEN: TOKEN,
    TETHER_CONFIG: join(box.root, "no-tether-config.json"),
  };
}

/** Claude Code's TUI in a terminal of its own, ready for a prompt. */
async function openTerminal(tetherUrl: string, args: string[] = []): Promise<Tmux> {
  const env = claudeEnv(box, fake.url, {
    HOME: userHome,
    XDG_CONFIG_HOME: join(userHome, ".config"),
    ...tetherSettings(tetherUrl),
  });
  for (const key of Object.keys(env)) {
    if (key === AGENT_MARKER || (key.startsWith("TETHER_") && !(key in tetherSettings(""))))
      delete env[key];
  }
  terminal = await startTmux([CLAUDE, ...args], {
    socket: join(box.root, "tmux.sock"),
    cwd: box.workspace,
    env,
  });
  await shown(terminal, /manual mode on/, "the TUI, in the classic mode");
  return terminal;
}

const AUTO_MODE_OFFER = /Make auto mode your default permission mode\?/;
const OFFER_GONE = /^(?![\s\S]*Make auto mode your default permission mode\?)/;

/** Waits for `pattern` on the screen. Claude Code now and then offers to make auto mode the
 * default (at start-up, or after a permission answered at the terminal); it is turned down as a
 * person would, with Esc. Like a dialog, the offer can ignore keys the moment it appears, so Esc
 * is pressed again while it is still there, never after (Esc would interrupt the turn). */
async function shown(tui: Tmux, pattern: RegExp, what: string): Promise<string> {
  const either = new RegExp(`${pattern.source}|${AUTO_MODE_OFFER.source}`);
  for (let escapes = 0; ; escapes++) {
    const screen = await tui.waitForScreen(either, { what });
    if (pattern.test(screen)) return screen;
    if (escapes === 5) throw new Error(`the auto mode offer does not close:\n${screen}`);
    await tui.press("Escape");
    await tui
      .waitForScreen(OFFER_GONE, { what: "the auto mode offer to close", timeoutMs: 3000 })
      .catch(() => {
        // Still there: the loop presses Esc again.
      });
  }
}

/** Types `prompt` into the input box and submits it. An Enter that comes right behind the typed
 * text can be taken for part of a paste and dropped: like a person, press it again while the
 * text is still in the box. */
async function say(tui: Tmux, prompt: string): Promise<void> {
  await tui.type(prompt);
  await waitFor(async () => inputBox(await tui.screen()).includes(prompt), {
    what: () => `"${prompt}" in the input box`,
  });
  for (let attempt = 0; ; attempt++) {
    await tui.press("Enter");
    try {
      await waitFor(async () => !inputBox(await tui.screen()).includes(prompt), {
        timeoutMs: 2000,
        what: "the prompt to be submitted",
      });
      return;
    } catch (error) {
      if (attempt === 2) throw new Error(`${(error as Error).message}:\n${await tui.screen()}`);
    }
  }
}

/** Answers the permission dialog at the terminal with "1. Yes". Keys that come the moment a
 * dialog appears can be ignored (it guards against typing ahead into it): like a person, press
 * again while the dialog is still there. */
async function allowAtTerminal(tui: Tmux): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await tui.press("1");
    await tui.press("Enter");
    try {
      await waitFor(async () => !DIALOG.test(await tui.screen()), {
        timeoutMs: 2000,
        what: "the dialog to take the answer",
      });
      return;
    } catch (error) {
      if (attempt === 2) throw new Error(`${(error as Error).message}:\n${await tui.screen()}`);
    }
  }
}

/** What the input box holds: the lines between the last two rules of the screen. */
function inputBox(screen: string): string {
  const lines = screen.split("\n");
  const rules = lines.flatMap((line, i) => (/^─{20,}$/.test(line) ? [i] : []));
  if (rules.length < 2) return "";
  return lines.slice(rules.at(-2)! + 1, rules.at(-1)).join("\n");
}

async function terminalSession() {
  const { sessions } = (await api("GET", "/api/sessions")).body as {
    sessions: { id: string; kind: string; state: string; agent_session_id: string | null }[];
  };
  return sessions.find((s) => s.kind === "claude_terminal");
}

async function pendingApproval() {
  return waitFor(
    async () =>
      (await api("GET", "/api/approvals?status=pending")).body.approvals[0] as
        | { id: string; session_id: string; title: string; tool_name: string }
        | undefined,
    { timeoutMs: 30_000, what: "the permission request to reach Tether" },
  );
}

/** The processes whose environment mentions `marker`, with their command lines. */
function processList(marker: string): string {
  return processesMentioning(marker)
    .map((pid) => {
      try {
        return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`;
      } catch {
        return String(pid);
      }
    })
    .join("; ");
}

/** Whether the model was sent `text` (a Stop hook's reply arrives as a system message). */
const modelWasSent = (needle: string) =>
  fake.turns().some((t) => JSON.stringify(t.body?.messages ?? []).includes(needle));

describe.skipIf(skip !== undefined)(
  skip ? `Claude Code in a terminal (skipped: ${skip})` : "Claude Code in a terminal",
  () => {
    beforeEach(async () => {
      fake = await startFakeAnthropic();
      box = agentSandbox("tether-tui-");
      userHome = join(box.root, "user");
      mkdirSync(userHome);
      daemon = undefined;
      terminal = undefined;
    }, TUI_TEST_MS);

    afterEach(async () => {
      await terminal?.kill();
      // Closing the daemon also ends a hook it still holds (a Stop waiting for a reply).
      await daemon?.close();
      await fake.close();
      try {
        await waitFor(() => processesMentioning(box.root).length === 0, {
          timeoutMs: 15_000,
          what: () => `no process of the test left; still there: ${processList(box.root)}`,
        });
      } finally {
        for (const pid of processesMentioning(box.root)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Gone meanwhile.
          }
        }
        box.remove();
      }
    }, TUI_TEST_MS);

    it(
      "asks through Tether while the terminal shows its dialog; allowed remotely, the command runs and the dialog goes",
      async () => {
        await installHooks(await startTetherDaemon(1));
        const target = join(box.workspace, "allowed-remotely.txt");
        fake.when("make the file", bash(`touch ${target}`));
        const tui = await openTerminal(daemon!.url);
        await say(tui, "please make the file");

        await shown(tui, DIALOG, "the terminal's permission dialog");
        const approval = await pendingApproval();
        expect(approval).toMatchObject({ tool_name: "Bash", title: `Bash: touch ${target}` });
        const session = await terminalSession();
        expect(session?.id).toBe(approval.session_id);
        expect(session?.agent_session_id).toBeTruthy();
        expect(existsSync(target)).toBe(false);

        const resolved = await api("POST", `/api/approvals/${approval.id}/resolve`, {
          option: "Allow",
        });
        expect(resolved.status, resolved.text).toBe(200);
        await waitFor(() => existsSync(target), { timeoutMs: 30_000, what: "the command to run" });
        const screen = await shown(
          tui,
          /Tool finished \(is_error=false\)/,
          "the model's next step",
        );
        expect(screen).not.toMatch(DIALOG);
        expect(screen).toContain("Allowed by PermissionRequest hook");
      },
      TUI_TEST_MS,
    );

    it(
      "denied remotely, the command does not run and the model is told",
      async () => {
        await installHooks(await startTetherDaemon(1));
        const target = join(box.workspace, "denied-remotely.txt");
        fake.when("make the file", bash(`touch ${target}`));
        const tui = await openTerminal(daemon!.url);
        await say(tui, "please make the file");

        await shown(tui, DIALOG, "the terminal's permission dialog");
        const approval = await pendingApproval();
        const resolved = await api("POST", `/api/approvals/${approval.id}/resolve`, {
          option: "Deny",
        });
        expect(resolved.status, resolved.text).toBe(200);

        const result = await waitFor(() => fake.toolResults()[0], {
          timeoutMs: 30_000,
          what: "the tool's result to reach the model",
        });
        expect(result.isError).toBe(true);
        expect(result.content).toContain("Denied by api (through Tether)");
        const screen = await shown(tui, /Tool finished \(is_error=true\)/, "the model's next step");
        expect(screen).not.toMatch(DIALOG);
        expect(existsSync(target)).toBe(false);
      },
      TUI_TEST_MS,
    );

    it(
      "answered at the terminal first, the command runs and Tether withdraws its approval as answered there",
      async () => {
        await installHooks(await startTetherDaemon(1));
        const target = join(box.workspace, "allowed-locally.txt");
        fake.when("make the file", bash(`touch ${target}`));
        const tui = await openTerminal(daemon!.url);
        await say(tui, "please make the file");

        await shown(tui, DIALOG, "the terminal's permission dialog");
        const approval = await pendingApproval();
        await allowAtTerminal(tui);
        await waitFor(() => existsSync(target), { timeoutMs: 30_000, what: "the command to run" });
        await shown(tui, /Tool finished \(is_error=false\)/, "the model's next step");

        const withdrawn = await waitFor(
          async () => {
            const got = (await api("GET", `/api/approvals/${approval.id}`)).body;
            return got.status !== "pending" && got;
          },
          { timeoutMs: 15_000, what: "the approval to be withdrawn" },
        );
        expect(withdrawn).toMatchObject({ status: "cancelled", decision: null, decided_by: null });
        const { events } = (await api("GET", `/api/sessions/${approval.session_id}/events`))
          .body as {
          events: { type: string; data: Record<string, unknown> }[];
        };
        const outcome = events.find(
          (e) => e.type === "approval_resolved" && e.data.request_id === approval.id,
        );
        expect(outcome?.data).toMatchObject({
          status: "cancelled",
          reason: "answered at the terminal",
        });
        // Nobody can answer it any more.
        const late = await api("POST", `/api/approvals/${approval.id}/resolve`, { option: "Deny" });
        expect(late.status).toBe(409);
      },
      TUI_TEST_MS,
    );

    it(
      "at the turn's end the session waits for its human, and a reply from the App API is the model's next turn, shown in the terminal",
      async () => {
        // The Stop hook waits long enough for the reply; it never waits out its bound here.
        await installHooks(await startTetherDaemon(60));
        const reply = "REMOTE REPLY: now write the changelog";
        fake.script((turn) =>
          JSON.stringify(turn.body.messages.at(-1)).includes(reply)
            ? text(`Carrying on with what you said: ${reply}`)
            : undefined,
        );
        const tui = await openTerminal(daemon!.url);
        await say(tui, "hello there");
        await shown(tui, /Echo: hello there/, "the first turn");

        await waitFor(async () => (await terminalSession())?.state === "awaiting_input", {
          timeoutMs: 30_000,
          what: "the session to wait for its human",
        });
        await shown(tui, /running Stop hook/, "the held end of the turn");
        const session = (await terminalSession())!;
        const sent = await api("POST", `/api/sessions/${session.id}/input`, { text: reply });
        expect(sent.status, sent.text).toBe(200);

        await waitFor(() => modelWasSent(reply), {
          timeoutMs: 30_000,
          what: "the reply to reach the model",
        });
        await shown(
          tui,
          /Carrying on with what you said: REMOTE REPLY/,
          "the model's answer to the reply in the terminal",
        );
      },
      TUI_TEST_MS,
    );

    it(
      "Esc at the terminal ends the held turn's end, and a reply sent after that waits for the next one instead of being lost",
      async () => {
        await installHooks(await startTetherDaemon(60));
        const reply = "REMOTE REPLY: after the terminal stopped waiting";
        const tui = await openTerminal(daemon!.url);
        await say(tui, "hello there");
        await shown(tui, /running Stop hook/, "the held end of the turn");

        await waitFor(async () => (await terminalSession())?.state === "awaiting_input", {
          timeoutMs: 30_000,
          what: "the daemon to hold the turn's end",
        });
        await tui.press("Escape");
        await shown(tui, /Interrupted/, "the held hook to be cancelled");
        // Claude Code ends the cancelled hook's process; its connection to the daemon goes with it.
        await waitFor(() => !processList(box.root).includes("hook claude"), {
          what: "the cancelled hook's process to exit",
        });
        const session = (await terminalSession())!;
        expect(session.state).toBe("awaiting_input");
        const sent = await api("POST", `/api/sessions/${session.id}/input`, { text: reply });
        expect(sent.status, sent.text).toBe(200);

        // The person at the terminal goes on; at the end of that turn the reply is handed over.
        await say(tui, "one more thing");
        await waitFor(() => fake.turns().some((t) => t.turn?.userText.includes("one more thing")), {
          timeoutMs: 30_000,
          what: "the terminal's own next turn",
        });
        await waitFor(() => modelWasSent(reply), {
          timeoutMs: 30_000,
          what: "the reply to reach the model at the next turn's end",
        });
        await shown(
          tui,
          /REMOTE REPLY: after the terminal stopped waiting/,
          "the reply in the terminal",
        );
      },
      TUI_TEST_MS,
    );

    it(
      "a prompt typed at the terminal during the held turn's end goes to the model at once, not after the wait",
      async () => {
        // A hold of a minute: without the typed prompt ending it, the test would time out.
        await installHooks(await startTetherDaemon(60));
        const tui = await openTerminal(daemon!.url);
        await say(tui, "hello there");
        await shown(tui, /running Stop hook/, "the held end of the turn");
        await waitFor(async () => (await terminalSession())?.state === "awaiting_input", {
          timeoutMs: 30_000,
          what: "the daemon to hold the turn's end",
        });

        // The terminal queues it while the hook runs; Tether lets the hook go on seeing it.
        await say(tui, "typed while it waited");
        await waitFor(
          () => fake.turns().some((t) => t.turn?.userText.includes("typed while it waited")),
          { timeoutMs: 20_000, what: "the typed prompt to reach the model" },
        );
        await shown(tui, /Echo: typed while it waited/, "the model's answer in the terminal");
      },
      TUI_TEST_MS,
    );

    it(
      "with the daemon down the terminal works as without Tether, and no hook adds a second",
      async () => {
        const down = `http://127.0.0.1:${await closedPort()}`;
        const events = [
          "SessionStart",
          "UserPromptSubmit",
          "PermissionRequest",
          "PostToolUse",
          "Stop",
        ];
        await installHooks(
          down,
          Object.fromEntries(
            events.map((event) => [
              event,
              [{ matcher: "*", hooks: [{ type: "command", command: BARE_NODE_HOOK }] }],
            ]),
          ),
        );
        const target = join(box.workspace, "without-tether.txt");
        fake.when("make the file", bash(`touch ${target}`));
        const log = join(box.root, "claude-debug.log");
        const tui = await openTerminal(down, ["--debug-file", log]);
        await say(tui, "please make the file");

        await shown(tui, DIALOG, "the terminal's permission dialog");
        await allowAtTerminal(tui);
        await waitFor(() => existsSync(target), { timeoutMs: 30_000, what: "the command to run" });
        const screen = await shown(
          tui,
          /Tool finished \(is_error=false\)[\s\S]*for shortcuts/,
          "the turn to end and the prompt to be back",
        );
        expect(screen).not.toMatch(/hook (error|failed)/i);

        // Claude Code's own timing of every hook run. Its transcript has durations only for
        // SessionStart, PostToolUse and Stop, not for UserPromptSubmit (which holds the prompt).
        const runs = hookRuns(log);
        for (const event of events) {
          const tether = runs.filter((r) => r.event === event && r.command.endsWith("hook claude"));
          const bare = runs.filter((r) => r.event === event && r.command === BARE_NODE_HOOK);
          expect(tether.length, `${event}: Tether's hook ran`).toBeGreaterThan(0);
          expect(bare.length, `${event}: the bare hook ran beside it`).toBe(tether.length);
          tether.forEach((run, i) => {
            expect(run.status, `${event} exit status`).toBe(0);
            expect(
              run.ms - bare[i]!.ms,
              `${event}: ${run.ms} ms, bare Node ${bare[i]!.ms} ms`,
            ).toBeLessThan(1000);
          });
        }
      },
      TUI_TEST_MS,
    );
  },
);

interface HookRun {
  event: string;
  command: string;
  status: number;
  ms: number;
}

/** "Hooks: PostToolUse:Bash [<command>] finished with status 0 (312ms)" lines of --debug-file. */
function hookRuns(log: string): HookRun[] {
  const runs: HookRun[] = [];
  for (const line of readFileSync(log, "utf8").split("\n")) {
    const m = /Hooks: (\w+)(?::\S+)? \[(.*)\] finished with status (\d+) \((\d+)ms\)/.exec(line);
    if (m) runs.push({ event: m[1]!, command: m[2]!, status: Number(m[3]), ms: Number(m[4]) });
  }
  return runs;
}
