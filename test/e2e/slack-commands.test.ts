// `/tether` in the channel, through the real daemon and the real Bolt (Socket Mode) against the
// fake Slack: help, sessions, status, interrupt, new (a Claude Code session Tether runs, the real
// CLI against the fake Anthropic API) and pair, each answered in the command's ack, within
// Slack's 3 s, to the one who asked only. Only allowed users act; with no allow list, a pairing
// code from the App API makes a user allowed.
import { afterEach, beforeEach, expect, it } from "vitest";
import { type FakeAnthropic, slowText, startFakeAnthropic } from "../fakes/anthropic.js";
import type { FakeSlack } from "../fakes/slack.js";
import {
  type AgentSandbox,
  agentSandbox,
  claudeEnv,
  processesMentioning,
} from "../fakes/support.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  buttons,
  CHANNEL,
  createSlackSession,
  DELIVERY_MS,
  events,
  messageText,
  refusedCalls,
  STRANGER,
  USER,
  useSlack,
  waitForButtons,
  waitForEvent,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

/** Runs `/tether <text>` as `user` and returns what Slack showed them: the ack's ephemeral
 * answer, which must come within 3 s and be seen by nobody else. */
async function tether(fake: FakeSlack, text: string, user = USER.id): Promise<string> {
  const { envelope } = fake.slashCommand({ text, user });
  const acked = await fake.waitForAck(envelope.envelope_id);
  expect(acked.late, `/tether ${text} acknowledged after Slack's 3 s`).toBe(false);
  expect(acked.ackMs).toBeLessThan(3000);
  expect(acked.ackPayload).toMatchObject({ response_type: "ephemeral" });
  const answer = String(acked.ackPayload?.text ?? "");
  expect(answer, `/tether ${text} answered nothing`).not.toBe("");
  // Slack showed it to the one who asked, and posted nothing in the channel.
  expect(fake.ephemerals.some((e) => e.via === "ack" && e.user === user && e.text === answer)).toBe(
    true,
  );
  return answer;
}

const sessionIds = async (d: TestDaemon) =>
  ((await d.api("GET", "/api/sessions")).body.sessions as { id: string }[]).map((s) => s.id);

const approvalOf = async (d: TestDaemon, id: string) =>
  (await d.api("GET", `/api/approvals/${id}`)).body;

it("/tether alone, or help, lists what it does", async () => {
  const fake = await slack.fake();
  await slack.daemon();
  const posted = fake.messages().length;
  for (const text of ["", "help"]) {
    const answer = await tether(fake, text);
    for (const command of ["sessions", "status", "interrupt", "new", "pair"]) {
      expect(answer).toContain(`/tether ${command}`);
    }
  }
  expect(fake.messages()).toHaveLength(posted);
  expect(refusedCalls(fake)).toEqual([]);
});

it("/tether sessions lists the open sessions with their state", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  expect(await tether(fake, "sessions")).toMatch(/No sessions are open/);
  const alpha = await createSlackSession(d, "alpha session");
  await createSlackSession(d, "beta session");
  const running = await d.api("POST", `/external/sessions/${alpha.id}/status`, {
    status: "thinking",
  });
  expect(running.body.state).toBe("running");

  const answer = await tether(fake, "sessions");
  const lines = answer.split("\n");
  expect(lines.find((l) => l.includes("alpha session"))).toMatch(/running/);
  expect(lines.find((l) => l.includes("beta session"))).toBeDefined();
  // Newest activity first.
  expect(answer.indexOf("alpha session")).toBeLessThan(answer.indexOf("beta session"));
  expect(refusedCalls(fake)).toEqual([]);
});

it("/tether status <name> tells a session's state and what waits for an answer", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "status check", {
    name: "Builder",
    type: "custom",
    workspace: "/home/ada/app",
  });
  await createSlackSession(d, "another one");
  await d.api("POST", `/external/sessions/${session.id}/status`, { status: "thinking" });

  const idle = await tether(fake, "status status check");
  expect(idle).toContain("status check");
  expect(idle).toMatch(/running/);
  expect(idle).toContain("/home/ada/app");
  expect(idle).toMatch(/Nothing waits for you/);
  expect(idle).not.toContain("another one");

  await askApproval(d, session.id, { title: "Ship it?" });
  // By the start of its name too.
  expect(await tether(fake, "status stat")).toContain("1 question waits for you");
  await askApproval(d, session.id, { title: "Ship it too?" });
  expect(await tether(fake, "status status check")).toContain("2 questions wait for you");
  expect(await tether(fake, "status nothing like it")).toMatch(/No open session matches/);
  // A command is not input for the agent.
  expect((await events(d, session.id)).filter((e) => e.type === "human_input")).toEqual([]);
  expect(refusedCalls(fake)).toEqual([]);
});

it("/tether interrupt <name> interrupts that session as the Slack user", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "busy agent");
  await createSlackSession(d, "idle agent");
  const running = await d.api("POST", `/external/sessions/${session.id}/status`, {
    status: "thinking",
  });
  expect(running.body.state).toBe("running");
  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);

  expect(await tether(fake, "interrupt busy agent")).toContain("Interrupting *busy agent*");
  // The agent hears it on its long poll.
  const got = await poll;
  expect(got.status, got.text).toBe(200);
  expect(got.body).toMatchObject({ type: "interrupt" });
  const interrupt = await waitForEvent(d, session.id, (e) => e.type === "interrupt");
  expect(interrupt.data.by).toBe(`slack:${USER.id}`);
  expect((await d.api("GET", `/api/sessions/${session.id}`)).body.state).toBe("interrupting");
  // And its thread says who.
  await waitForThreadText(fake, session.threadTs, `@${USER.name} (on Slack)`);

  expect(await tether(fake, "interrupt no such session")).toMatch(/No open session matches/);
  expect(refusedCalls(fake)).toEqual([]);
});

it("answers a stranger's /tether with how to pair, and does nothing they ask", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "not yours");
  await d.api("POST", `/external/sessions/${session.id}/status`, { status: "thinking" });
  const before = await sessionIds(d);

  for (const text of ["sessions", "status not yours", "interrupt not yours", "new rm -rf ~"]) {
    const answer = await tether(fake, text, STRANGER.id);
    expect(answer).toMatch(/may not answer/i);
    expect(answer).toContain("SLACK_ALLOWED_USER_IDS");
    expect(answer).not.toContain("not yours");
  }
  expect((await events(d, session.id)).filter((e) => e.type === "interrupt")).toEqual([]);
  expect((await d.api("GET", `/api/sessions/${session.id}`)).body.state).toBe("running");
  expect(await sessionIds(d)).toEqual(before);
  expect(refusedCalls(fake)).toEqual([]);
});

it("/tether new without TETHER_DEFAULT_DIR says to set it, and starts nothing", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const before = await sessionIds(d);
  expect(await tether(fake, "new fix the flaky test")).toContain("TETHER_DEFAULT_DIR");
  expect(await tether(fake, "new")).toMatch(/Say what to do/);
  expect(await sessionIds(d)).toEqual(before);
  expect(refusedCalls(fake)).toEqual([]);
});

it("pairs a user with a code from the App API; their clicks count from then on", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_ALLOWED_USER_IDS: "" } });
  const issued = await d.api("POST", "/api/bridges/slack/pairing-code");
  expect(issued.status, issued.text).toBe(200);
  const code = issued.body.code as string;

  const session = await createSlackSession(d, "pairing");
  const requestId = await askApproval(d, session.id, { title: "Ship it?" });
  const asked = await waitForButtons(fake, session.threadTs, "Ship it?");
  // Before pairing, nobody may answer.
  const early = fake.click({ messageTs: asked.ts, text: "Approve", user: STRANGER.id });
  await fake.waitForAck(early.envelope.envelope_id);
  const told = await waitFor(() => fake.ephemerals.find((e) => e.user === STRANGER.id), {
    timeoutMs: DELIVERY_MS,
    what: "the unpaired user to be told they may not answer",
  });
  // As mrkdwn: Slack shows `&lt;code&gt;` as <code> (a bare one would be Slack markup).
  expect(told.text).toContain("/tether pair &lt;code&gt;");
  expect(await tether(fake, "sessions", STRANGER.id)).toContain("/tether pair &lt;code&gt;");
  expect((await approvalOf(d, requestId)).status).toBe("pending");

  // A wrong code pairs nobody, and does not spend the right one.
  const wrong = `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}`;
  const refused = await tether(fake, `pair ${wrong}`, STRANGER.id);
  expect(refused).toMatch(/not valid/i);
  expect((await d.api("GET", "/api/bridges")).body.bridges).toMatchObject([
    { name: "slack", pairing: true, users: [] },
  ]);

  const paired = await tether(fake, `pair ${code}`, STRANGER.id);
  expect(paired).toMatch(/^Paired/);
  expect(paired).not.toContain(code);
  expect(await tether(fake, `pair ${code}`, STRANGER.id)).toMatch(/already/i);
  // Spent: nobody else pairs with it.
  expect(await tether(fake, `pair ${code}`, USER.id)).toMatch(/not valid/i);

  await fake.waitForAck(
    fake.click({ messageTs: asked.ts, text: "Approve", user: STRANGER.id }).envelope.envelope_id,
  );
  const decided = await waitFor(
    async () => {
      const a = await approvalOf(d, requestId);
      return a.status === "resolved" ? a : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the paired user's click to decide" },
  );
  expect(decided).toMatchObject({ decision: "Approve", decided_by: `slack:${STRANGER.id}` });
  await waitFor(() => buttons(fake.message(CHANNEL.id, asked.ts)!).length === 0, {
    timeoutMs: DELIVERY_MS,
    what: "the approval message to lose its buttons",
  });
  expect(messageText(fake.message(CHANNEL.id, asked.ts)!)).toContain(
    `Approved by @${STRANGER.name} (on Slack)`,
  );
  expect((await d.api("GET", "/api/bridges")).body.bridges).toMatchObject([
    { name: "slack", pairing: true, users: [expect.objectContaining({ user_id: STRANGER.id })] },
  ]);
  // The one who was paired may now use the commands too.
  expect(await tether(fake, "sessions", STRANGER.id)).toContain("pairing");
  expect(refusedCalls(fake)).toEqual([]);
});

it("says at start how to pair on Slack, and that code pairs with /tether pair", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_ALLOWED_USER_IDS: "" } });
  const notices = d.daemon.pairingNotices;
  expect(notices).toHaveLength(1);
  const code = /"\/tether pair ([^\s"]+)" in the Slack channel/.exec(notices[0]!.text)?.[1];
  expect(code, notices[0]!.text).toBeDefined();
  expect(notices[0]!.withoutCode).toContain('"/tether pair <code>" in the Slack channel');
  const listed = (await d.api("GET", "/api/bridges")).body.bridges;
  expect(listed).toMatchObject([
    {
      name: "slack",
      pairing: true,
      pair_command: "/tether pair",
      pair_where: "in the Slack channel",
    },
  ]);
  expect(await tether(fake, `pair ${code}`, STRANGER.id)).toContain("Paired");
});

it("with an allow list, pairing is off: no codes, and /tether pair says so", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const issued = await d.api("POST", "/api/bridges/slack/pairing-code");
  expect(issued.status, issued.text).toBe(400);
  expect(await tether(fake, "pair 1234-5678", STRANGER.id)).toMatch(/Pairing is off/);
  expect(await tether(fake, "pair 1234-5678")).toMatch(/already/i);
  expect(refusedCalls(fake)).toEqual([]);
});

// ---------- a session Tether runs ----------

let model: FakeAnthropic | undefined;
let box: AgentSandbox | undefined;

beforeEach((ctx) => {
  if (!ctx.task.name.includes("Claude")) return;
  box = agentSandbox("tether-slack-cmd-");
});

afterEach(async () => {
  // After-hooks run newest first: this one before useSlack's, so the daemon (and with it the
  // agent) is closed here first.
  await slack.close();
  if (box) {
    const root = box.root;
    await waitFor(() => processesMentioning(root).length === 0, {
      timeoutMs: 10_000,
      what: "claude processes to exit",
    });
    box.remove();
  }
  await model?.close();
  model = undefined;
  box = undefined;
});

it("/tether new <prompt> starts a Claude session in TETHER_DEFAULT_DIR; interrupt stops its turn", async () => {
  model = await startFakeAnthropic();
  model.when("count slowly", slowText("tick ", 600, 50));
  const sandbox = box!;
  const fake = await slack.fake();
  const d = await slack.daemon({
    agentEnv: claudeEnv(sandbox, model.url, { HOME: sandbox.root }),
    env: { TETHER_DEFAULT_DIR: sandbox.workspace },
  });

  const started = await tether(fake, "new say hello from Slack");
  expect(started).toMatch(/^Started \*.+\*: it gets its own thread in the channel/);
  const session = await waitFor(
    async () => (await d.api("GET", "/api/sessions")).body.sessions[0],
    { timeoutMs: DELIVERY_MS, what: "a session started by /tether new" },
  );
  expect(session.directory).toBe(sandbox.workspace);
  expect(session.platform).toBe("slack");
  const input = await waitForEvent(d, session.id, (e) => e.type === "human_input");
  expect(input.data).toMatchObject({ text: "say hello from Slack", sender: `slack:${USER.id}` });
  const parent = await fake.waitForMessage(
    (m) => m.thread_ts === undefined && messageText(m).includes(session.name),
  );
  await waitForThreadText(fake, parent.ts, "Echo: say hello from Slack", 30_000);
  await waitFor(
    async () => (await d.api("GET", `/api/sessions/${session.id}`)).body.state === "awaiting_input",
    { timeoutMs: 20_000, what: "the first turn to finish" },
  );

  // A slow turn, interrupted from Slack by the start of the session's name.
  const sent = await d.api("POST", `/api/sessions/${session.id}/input`, { text: "count slowly" });
  expect(sent.status, sent.text).toBeLessThan(300);
  await waitFor(() => model!.turns().some((t) => t.deltasSent >= 3), {
    timeoutMs: 30_000,
    what: "the slow turn to stream",
  });
  const prefix = session.name.slice(0, Math.max(3, Math.floor(session.name.length / 2)));
  expect(await tether(fake, `interrupt ${prefix}`)).toContain(`Interrupting *`);
  const interrupt = await waitForEvent(d, session.id, (e) => e.type === "interrupt");
  expect(interrupt.data.by).toBe(`slack:${USER.id}`);
  await waitFor(
    async () => {
      const s = (await d.api("GET", `/api/sessions/${session.id}`)).body;
      return s.state === "awaiting_input" && s.last_seq > interrupt.seq ? s : undefined;
    },
    { timeoutMs: 20_000, what: "the interrupted turn to stop" },
  );
  const slow = model.turns().find((t) => t.turn?.userText.includes("count slowly"));
  expect(slow?.deltasSent).toBeLessThan(600);
  await waitForThreadText(fake, parent.ts, `Interrupted by *@${USER.name} (on Slack)*`);
  expect(refusedCalls(fake)).toEqual([]);
});
