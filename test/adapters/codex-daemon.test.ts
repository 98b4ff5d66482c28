// Codex sessions run by a real daemon: the real `codex app-server` against the fake OpenAI API,
// driven over the App API as the web app and the CLI drive it.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  codexConfigToml,
  execCommand,
  type FakeOpenAI,
  slowText,
  startFakeOpenAI,
} from "../fakes/openai.js";
import {
  type AgentSandbox,
  agentSandbox,
  hermeticEnv,
  processesMentioning,
} from "../fakes/support.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

let fake: FakeOpenAI;
let box: AgentSandbox;
let t: TestDaemon;

function startDaemon(): Promise<TestDaemon> {
  return startTestDaemon({
    token: "codex-daemon-token-0123456789abcdef0123456789",
    dataDir: join(box.root, "data"),
    env: { TETHER_AGENT_ADAPTER: "codex_sdk_sidecar" },
    // HOME: Codex snapshots a login shell, which would otherwise run the developer's ~/.bashrc.
    agentEnv: hermeticEnv({
      CODEX_HOME: box.home,
      OPENAI_API_KEY: "sk-fake",
      TMPDIR: box.tmp,
      HOME: box.root,
    }),
  });
}

beforeEach(async () => {
  fake = await startFakeOpenAI();
  box = agentSandbox("tether-codex-daemon-");
  writeFileSync(join(box.home, "config.toml"), codexConfigToml(fake.url));
  t = await startDaemon();
});

afterEach(async () => {
  try {
    await t.close();
    await waitFor(() => processesMentioning(box.root).length === 0, {
      timeoutMs: 10_000,
      what: "codex processes to exit",
    });
  } finally {
    await fake.close();
    box.remove();
  }
});

async function waitForState(id: string, wanted: string, afterSeq = 0) {
  let seen: unknown;
  return waitFor(
    async () => {
      const s = (await t.api("GET", `/api/sessions/${id}`)).body;
      seen = s;
      return s.state === wanted && s.last_seq > afterSeq ? s : undefined;
    },
    { timeoutMs: 20_000, what: () => `session ${id} to be ${wanted}; saw ${JSON.stringify(seen)}` },
  );
}

async function outputs(id: string, kind: string): Promise<string[]> {
  const events = (await t.api("GET", `/api/sessions/${id}/events`)).body.events as {
    type: string;
    data: { kind?: string; text?: string };
  }[];
  return events.filter((e) => e.type === "output" && e.data.kind === kind).map((e) => e.data.text!);
}

async function newSession(prompt: string): Promise<string> {
  // No kind: the daemon's TETHER_AGENT_ADAPTER (codex_sdk_sidecar here) is the default.
  const res = await t.api("POST", "/api/sessions", { directory: box.workspace, prompt });
  expect(res.status).toBe(201);
  expect(res.body.kind).toBe("codex_sdk_sidecar");
  return res.body.id;
}

describe("Codex sessions in the daemon", () => {
  it("runs a turn and then waits for the human, keeping the thread id", async () => {
    const id = await newSession("hello codex");
    const session = await waitForState(id, "awaiting_input", 1);
    expect(session.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await outputs(id, "text")).toEqual(["Echo: hello codex"]);
    expect(session.usage.input_tokens).toBeGreaterThan(0);
  });

  it("asks before an escalated command; Allow runs it, Deny does not", async () => {
    const allowed = join(box.workspace, "allowed.txt");
    const denied = join(box.workspace, "denied.txt");
    fake.when("first", execCommand(`touch ${allowed}`, { escalate: "needs the real disk" }));
    fake.when("second", execCommand(`touch ${denied}`, { escalate: "needs the real disk" }));
    const id = await newSession("first command please");

    const ask = async () =>
      waitFor(async () => (await t.api("GET", `/api/sessions/${id}/approvals`)).body.approvals[0], {
        timeoutMs: 20_000,
        what: "an approval",
      });
    const first = await ask();
    expect(first).toMatchObject({
      title: `command: touch ${allowed}`,
      options: ["Allow", "Deny", expect.stringMatching(/^Allow .+ for this session$/)],
    });
    await t.api("POST", `/api/approvals/${first.id}/resolve`, { option: "Allow" });
    const done = await waitForState(id, "awaiting_input", first.seq);
    expect(existsSync(allowed)).toBe(true);

    await t.api("POST", `/api/sessions/${id}/input`, { text: "second command please" });
    const second = await ask();
    await t.api("POST", `/api/approvals/${second.id}/resolve`, { option: "Deny" });
    await waitForState(id, "awaiting_input", Math.max(done.last_seq, second.seq));
    expect(existsSync(denied)).toBe(false);
    expect(fake.toolOutputs().at(-1)?.output).toMatch(/rejected by user/);
  });

  it("interrupts a slow turn; the next message starts a new one", async () => {
    fake.when("go slow", slowText("tick ", 400, 50));
    const id = await newSession("go slow");
    await waitFor(() => fake.turns().some((r) => r.deltasSent >= 3), {
      timeoutMs: 20_000,
      what: "the slow answer to start streaming",
    });
    const res = await fetch(`${t.url}/api/sessions/${id}/interrupt`, {
      method: "POST",
      headers: { authorization: "Bearer codex-daemon-token-0123456789abcdef0123456789" },
    });
    expect(res.status).toBe(200);
    const stopped = await waitForState(id, "awaiting_input");

    await t.api("POST", `/api/sessions/${id}/input`, { text: "still there?" });
    await waitForState(id, "awaiting_input", stopped.last_seq + 1);
    expect((await outputs(id, "text")).at(-1)).toBe("Echo: still there?");
  });

  it("resumes the same Codex thread after the daemon restarts", async () => {
    const id = await newSession("remember the word kiwi");
    const before = await waitForState(id, "awaiting_input", 1);
    await t.close();
    await waitFor(() => processesMentioning(box.root).length === 0, {
      timeoutMs: 10_000,
      what: "the first daemon's Codex to exit",
    });

    t = await startDaemon();
    await t.api("POST", `/api/sessions/${id}/input`, { text: "what was the word" });
    const after = await waitForState(id, "awaiting_input", before.last_seq + 1);
    expect(after.agent_session_id).toBe(before.agent_session_id);
    // The model saw the earlier turn: the thread was resumed, not started afresh.
    const said = JSON.stringify(fake.turns().at(-1)?.body);
    expect(said).toContain("remember the word kiwi");
    expect(said).toContain("what was the word");
  });
});
