// A Claude Code session run by Tether (the real CLI against the fake Anthropic API) answered
// from Telegram (the real grammY against the fake Bot API): its Bash permission shows in its
// topic with buttons, the allowed user's "Allow" runs the command, and the rest of the turn
// reaches the topic. And `/new <prompt>` in General starts one in TETHER_DEFAULT_DIR.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  askUserQuestion,
  bash,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../fakes/anthropic.js";
import {
  type AgentSandbox,
  agentSandbox,
  claudeEnv,
  processesMentioning,
} from "../fakes/support.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  buttonTexts,
  DELIVERY_MS,
  topicNamed,
  useTelegram,
  waitForBotMessage,
  waitForCallbackAnswer,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();
let model: FakeAnthropic;
let box: AgentSandbox;

beforeEach(async () => {
  model = await startFakeAnthropic();
  box = agentSandbox("tether-tg-claude-");
});

afterEach(async () => {
  // The daemon first: closing it ends its agents. (After-hooks run newest first.)
  await tg.close();
  await waitFor(() => processesMentioning(box.root).length === 0, {
    timeoutMs: 10_000,
    what: "claude processes to exit",
  });
  await model.close();
  box.remove();
});

const agentEnv = () => claudeEnv(box, model.url, { HOME: box.root });

const modelTrace = () =>
  JSON.stringify(
    model.requests.map((r) => [r.kind, r.turn?.userText.slice(0, 80), r.turn?.toolResult]),
  );

/** A Claude session Tether runs, started with `prompt`, and its topic. */
async function startClaude(prompt: string) {
  const fake = await tg.fake();
  const d = await tg.daemon({ agentEnv: agentEnv() });
  const created = await d.api("POST", "/api/sessions", {
    kind: "claude",
    directory: box.workspace,
    prompt,
  });
  expect(created.status, created.text).toBe(201);
  const threadId = await sessionTopic(fake, d, created.body.id);
  return { fake, d, created, threadId };
}

async function sessionTopic(fake: Parameters<typeof topicNamed>[0], d: TestDaemon, id: string) {
  const session = (await d.api("GET", `/api/sessions/${id}`)).body;
  return (await topicNamed(fake, session.name, 20_000)).message_thread_id;
}

it("asks for Claude's Bash permission in its topic, and Allow from Telegram runs it", async () => {
  const target = join(box.workspace, "from-telegram.txt");
  model.when("make a file", bash(`touch ${target}`));
  const { fake, d, created, threadId } = await startClaude("please make a file");

  const asked = await waitFor(
    () =>
      fake
        .messages({ threadId, fromBot: true })
        .find((m) => m.text.includes(`touch ${target}`) && buttonTexts(m).length > 0),
    { timeoutMs: 30_000, what: () => `the Bash permission in the topic; model: ${modelTrace()}` },
  );
  expect(buttonTexts(asked)).toContain("Allow");
  expect(buttonTexts(asked)).toContain("Deny");
  expect(existsSync(target)).toBe(false);

  const query = fake.clickButton({ messageId: asked.message_id, text: "Allow" });
  await waitForCallbackAnswer(fake, query);
  await waitFor(() => existsSync(target), {
    timeoutMs: 20_000,
    what: () => `the command to run; model: ${modelTrace()}`,
  });
  // The fake model's answer after the tool ends the turn; it reaches the topic.
  await waitForTopicText(fake, threadId, "Tool finished", 20_000);
  await waitFor(
    async () =>
      (await d.api("GET", `/api/sessions/${created.body.id}`)).body.state === "awaiting_input",
    { timeoutMs: 20_000, what: "the turn to finish" },
  );
  const approvals = (
    await d.api("GET", `/api/approvals?status=resolved&session_id=${created.body.id}`)
  ).body.approvals;
  expect(approvals).toMatchObject([{ decision: "Allow", decided_by: "telegram:1001" }]);
});

it("shows Claude's question with its choices as buttons, and the one picked reaches Claude", async () => {
  model.when("pick a color", askUserQuestion("Which color should I use?", ["Red", "Blue"]));
  const { fake, d, created, threadId } = await startClaude("pick a color for the button");
  const asked = await waitFor(
    () =>
      fake
        .messages({ threadId, fromBot: true })
        .find((m) => m.text.includes("Which color should I use?") && buttonTexts(m).length > 0),
    { timeoutMs: 30_000, what: () => `the question in the topic; model: ${modelTrace()}` },
  );
  expect(buttonTexts(asked)).toEqual(expect.arrayContaining(["Red", "Blue"]));
  const query = fake.clickButton({ messageId: asked.message_id, text: "Blue" });
  await waitForCallbackAnswer(fake, query);
  await waitFor(() => model.toolResults().some((r) => r.content.includes('="Blue"')), {
    timeoutMs: 20_000,
    what: () => `Claude to get the answer; model: ${modelTrace()}`,
  });
  await waitFor(
    async () =>
      (await d.api("GET", `/api/sessions/${created.body.id}`)).body.state === "awaiting_input",
    { timeoutMs: 20_000, what: "the turn to finish" },
  );
});

it("/new <prompt> in General starts a session in TETHER_DEFAULT_DIR with its own topic", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ agentEnv: agentEnv(), env: { TETHER_DEFAULT_DIR: box.workspace } });
  const sent = fake.userSends({ text: "/new say hello from the phone" });
  await waitForBotMessage(fake, { afterId: sent.message_id as number });

  const session = await waitFor(
    async () => (await d.api("GET", "/api/sessions")).body.sessions[0],
    { timeoutMs: DELIVERY_MS, what: "a session started by /new" },
  );
  expect(session.directory).toBe(box.workspace);
  const threadId = await sessionTopic(fake, d, session.id);
  await waitForTopicText(fake, threadId, "Echo: say hello from the phone", 30_000);
  const inputs = (await d.api("GET", `/api/sessions/${session.id}/events`)).body.events.filter(
    (e: { type: string }) => e.type === "human_input",
  );
  expect(inputs[0]?.data).toMatchObject({
    text: "say hello from the phone",
    sender: "telegram:1001",
  });
});
