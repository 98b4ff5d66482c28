// Approvals in a session's thread, through the real daemon and the real Bolt (Socket Mode) against
// the fake Slack: a Block Kit button per option, every click acknowledged within Slack's 3 s; an
// allowed user's click decides it as slack:<user> and the agent hears so; answered anywhere, the
// message says who and loses its buttons; a late click, a stranger's click and the loser of a
// double click are told privately and never decide; a risky option asks to be confirmed; a
// question shows its choices, a file edit its diff; an approval a session rule answers is never
// asked.
import { expect, it } from "vitest";
import type { FakeSlack, FakeSlackMessage } from "../fakes/slack.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  buttons,
  CHANNEL,
  createSlackSession,
  DELIVERY_MS,
  events,
  messageText,
  postOutputs,
  refusedCalls,
  STRANGER,
  threadReplies,
  USER,
  useSlack,
  waitForButtons,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

/** The approval message once it has been edited to its settled form (no buttons left). */
function waitForSettled(fake: FakeSlack, asked: FakeSlackMessage): Promise<FakeSlackMessage> {
  return waitFor(
    () => {
      const m = fake.message(CHANNEL.id, asked.ts)!;
      return m.edits.length > 0 && buttons(m).length === 0 ? m : undefined;
    },
    {
      timeoutMs: DELIVERY_MS,
      what: () =>
        `the approval message edited without buttons; it is ${JSON.stringify(fake.message(CHANNEL.id, asked.ts))}`,
    },
  );
}

/** What `user` was told privately (ephemerals), as it arrives. */
function waitForEphemeral(fake: FakeSlack, user: string, pred: (text: string) => boolean) {
  return waitFor(() => fake.ephemerals.find((e) => e.user === user && pred(messageText(e))), {
    timeoutMs: DELIVERY_MS,
    what: () => `an ephemeral to ${user}; ephemerals: ${JSON.stringify(fake.ephemerals)}`,
  });
}

/** Clicks the button labelled `text` and waits for Bolt's ack: it must come within 3 s. */
async function clickAndAck(
  fake: FakeSlack,
  options: { messageTs: string; text: string; user?: string; stale?: boolean },
) {
  const click = fake.click(options);
  const acked = await fake.waitForAck(click.envelope.envelope_id);
  expect(acked.late, "acknowledged after Slack's 3 s").toBe(false);
  expect(acked.ackMs).toBeLessThan(3000);
  return click;
}

const approvalOf = async (d: TestDaemon, id: string) =>
  (await d.api("GET", `/api/approvals/${id}`)).body;

const resolvedEvents = async (d: TestDaemon, sessionId: string) =>
  (await events(d, sessionId)).filter((e) => e.type === "approval_resolved");

it("shows a button per option; an allowed user's click answers the agent as slack:<user>", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "deploys");
  const requestId = await askApproval(d, session.id, {
    title: "Deploy to staging?",
    description: "It runs `kubectl apply -f staging.yaml`.",
    options: ["Approve", "Reject", "Ask me later"],
  });
  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);

  const asked = await waitForButtons(fake, session.threadTs, "Deploy to staging?");
  expect(asked.thread_ts).toBe(session.threadTs);
  expect(messageText(asked)).toContain("kubectl apply -f staging.yaml");
  const shown = buttons(asked);
  expect(shown.map((b) => b.text)).toEqual(["Approve", "Reject", "Ask me later"]);
  for (const b of shown) expect(b.actionId.length).toBeLessThanOrEqual(255);
  expect(new Set(shown.map((b) => b.actionId)).size).toBe(shown.length);

  await clickAndAck(fake, { messageTs: asked.ts, text: "Approve" });
  const got = await poll;
  expect(got.status, got.text).toBe(200);
  expect(got.body).toMatchObject({
    type: "approval_response",
    data: { request_id: requestId, option: "Approve", decided_by: `slack:${USER.id}` },
  });

  const settled = await waitForSettled(fake, asked);
  const said = messageText(settled);
  expect(said).toContain("Deploy to staging?");
  expect(said).toContain(`Approved by @${USER.name} (on Slack)`);
  expect(settled.text).toContain(`Approved by @${USER.name} (on Slack)`);
  expect(await approvalOf(d, requestId)).toMatchObject({
    status: "resolved",
    decision: "Approve",
    decided_by: `slack:${USER.id}`,
  });
  // The one who answered hears nothing more: the message says it for everyone.
  expect(fake.ephemerals.filter((e) => e.user === USER.id)).toEqual([]);
  // The bot's identity is checked once at start, not again before every click (Bolt would,
  // were token verification off), so an ack never waits on another call to Slack.
  expect(fake.callsOf("auth.test").length).toBeLessThanOrEqual(2);
  expect(refusedCalls(fake)).toEqual([]);
});

it("says who answered on the App API, and tells a late click who did, deciding nothing", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "migrations");
  const requestId = await askApproval(d, session.id, {
    title: "Run migrations?",
    options: ["Approve", "Reject"],
  });
  const asked = await waitForButtons(fake, session.threadTs, "Run migrations?");

  const resolved = await d.api("POST", `/api/approvals/${requestId}/resolve`, { option: "Reject" });
  expect(resolved.status, resolved.text).toBe(200);
  const who = resolved.body.decided_by as string;
  const settled = await waitForSettled(fake, asked);
  const said = messageText(settled);
  expect(said).toContain("Denied by");
  expect(said).toMatch(/\(on web\)|\bAPI\b|\bCLI\b/);
  expect(said).not.toContain(`@${USER.name}`);

  // A Slack client that has not caught up with the edit still shows the buttons.
  await clickAndAck(fake, { messageTs: asked.ts, text: "Approve", stale: true });
  const told = await waitForEphemeral(fake, USER.id, (t) => /answered already/i.test(t));
  expect(messageText(told)).toContain("Denied by");
  expect(told.thread_ts).toBe(session.threadTs);
  expect(await resolvedEvents(d, session.id)).toHaveLength(1);
  expect(await approvalOf(d, requestId)).toMatchObject({ decision: "Reject", decided_by: who });
  // The message is not touched again by the late click.
  expect(fake.message(CHANNEL.id, asked.ts)!.edits).toHaveLength(settled.edits.length);
  expect(refusedCalls(fake)).toEqual([]);
});

it("ignores a stranger's click, telling them why; the allowed user still can answer", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "strangers");
  const requestId = await askApproval(d, session.id, { title: "Delete the branch?" });
  const asked = await waitForButtons(fake, session.threadTs, "Delete the branch?");

  await clickAndAck(fake, { messageTs: asked.ts, text: "Approve", user: STRANGER.id });
  const told = await waitForEphemeral(fake, STRANGER.id, () => true);
  expect(messageText(told)).toMatch(/may not answer/i);
  // With an allow list there is no pairing: they are not sent to pair.
  expect(messageText(told)).toContain("SLACK_ALLOWED_USER_IDS");
  expect(messageText(told)).not.toContain("/tether pair");
  expect(await approvalOf(d, requestId)).toMatchObject({ status: "pending", decision: null });
  expect(await resolvedEvents(d, session.id)).toEqual([]);
  const now = fake.message(CHANNEL.id, asked.ts)!;
  expect(now.edits).toEqual([]);
  expect(buttons(now).map((b) => b.text)).toEqual(["Approve", "Reject"]);

  await clickAndAck(fake, { messageTs: asked.ts, text: "Reject" });
  await waitForSettled(fake, asked);
  expect(await approvalOf(d, requestId)).toMatchObject({
    status: "resolved",
    decision: "Reject",
    decided_by: `slack:${USER.id}`,
  });
  expect(refusedCalls(fake)).toEqual([]);
});

it("decides once when two allowed users click at the same moment; the other is told who won", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_ALLOWED_USER_IDS: `${USER.id},${STRANGER.id}` } });
  const session = await createSlackSession(d, "double click");
  const requestId = await askApproval(d, session.id, { title: "Push to main?" });
  const asked = await waitForButtons(fake, session.threadTs, "Push to main?");

  // Both envelopes are on the socket before the bridge has handled either.
  const first = fake.click({ messageTs: asked.ts, text: "Approve", user: USER.id });
  const second = fake.click({ messageTs: asked.ts, text: "Reject", user: STRANGER.id });
  for (const click of [first, second]) {
    const acked = await fake.waitForAck(click.envelope.envelope_id);
    expect(acked.ackMs).toBeLessThan(3000);
  }
  const settled = await waitForSettled(fake, asked);
  const approval = await approvalOf(d, requestId);
  expect(approval.status).toBe("resolved");
  const [winner, loser] =
    approval.decided_by === `slack:${USER.id}` ? [USER, STRANGER] : [STRANGER, USER];
  expect(approval).toMatchObject({
    decision: winner === USER ? "Approve" : "Reject",
    decided_by: `slack:${winner.id}`,
  });
  expect(await resolvedEvents(d, session.id)).toHaveLength(1);
  expect(messageText(settled)).toContain(`by @${winner.name} (on Slack)`);
  const told = await waitForEphemeral(fake, loser.id, (t) => /answered already/i.test(t));
  expect(messageText(told)).toContain(`@${winner.name} (on Slack)`);
  expect(fake.ephemerals.filter((e) => e.user === winner.id)).toEqual([]);
  expect(refusedCalls(fake)).toEqual([]);
});

it("makes a risky option red and asks to confirm it; the others are plain", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "risky");
  const res = await d.api("POST", `/external/sessions/${session.id}/approval`, {
    title: "Push to main?",
    options: ["Push", "Force-push", "Cancel"],
    risky_options: ["Force-push"],
  });
  expect(res.status, res.text).toBe(200);
  const asked = await waitForButtons(fake, session.threadTs, "Push to main?");
  const elements = (asked.blocks ?? [])
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b as { elements: Record<string, unknown>[] }).elements);
  const byLabel = new Map(elements.map((e) => [(e.text as { text: string }).text, e]));
  expect([...byLabel.keys()]).toEqual(["Push", "Force-push", "Cancel"]);
  const risky = byLabel.get("Force-push")!;
  expect(risky.style).toBe("danger");
  expect(risky.confirm).toMatchObject({
    title: { type: "plain_text" },
    text: { text: expect.stringContaining("Force-push") },
    confirm: { type: "plain_text", text: "Force-push" },
    deny: { type: "plain_text" },
  });
  expect(byLabel.get("Push")!.confirm).toBeUndefined();
  expect(byLabel.get("Cancel")!.confirm).toBeUndefined();
  expect(byLabel.get("Cancel")!.style).toBeUndefined();

  // Once confirmed (Slack sends the click only then), it decides as any other.
  await clickAndAck(fake, { messageTs: asked.ts, text: "Force-push" });
  const settled = await waitForSettled(fake, asked);
  expect(messageText(settled)).toContain("Force-push");
  expect(messageText(settled)).toContain(`@${USER.name} (on Slack)`);
  expect(refusedCalls(fake)).toEqual([]);
});

it("shows a question's choices with what each means, and the one clicked is the answer", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "questions");
  // As Claude's AskUserQuestion reaches approvals from an agent Tether runs.
  const asked = await askApproval(d, session.id, {
    title: "Which color should I use?",
    description: "Red: warm and loud\nBlue: calm, the brand's colour",
    options: ["Red", "Blue"],
  });
  const message = await waitForButtons(fake, session.threadTs, "Which color should I use?");
  expect(buttons(message).map((b) => b.text)).toEqual(["Red", "Blue"]);
  const said = messageText(message);
  expect(said).toContain("*Red* — warm and loud");
  expect(said).toContain("*Blue* — calm, the brand's colour");

  // And as a terminal hook sends the tool itself.
  await askApproval(d, session.id, {
    title: "Claude has a question",
    options: ["pnpm", "npm"],
    tool_name: "AskUserQuestion",
    tool_input: {
      questions: [
        {
          header: "Tooling",
          question: "Which package manager?",
          multiSelect: false,
          options: [
            { label: "pnpm", description: "what the lockfile says" },
            { label: "npm", description: "the default" },
          ],
        },
      ],
    },
  });
  const tool = await waitForButtons(fake, session.threadTs, "Which package manager?");
  const toolSaid = messageText(tool);
  expect(toolSaid).toContain("*pnpm* — what the lockfile says");
  expect(toolSaid).toContain("*npm* — the default");
  expect(toolSaid).not.toContain('"questions"'); // not dumped as JSON

  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);
  await clickAndAck(fake, { messageTs: message.ts, text: "Blue" });
  expect((await poll).body).toMatchObject({
    type: "approval_response",
    data: { request_id: asked, option: "Blue" },
  });
  const settled = await waitForSettled(fake, message);
  expect(messageText(settled)).toContain(`*Blue* — answered by @${USER.name} (on Slack)`);
  expect(refusedCalls(fake)).toEqual([]);
});

it("shows a file edit as a short diff in a code block, and a command as code", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "edits");
  await askApproval(d, session.id, {
    title: "Edit src/config.ts?",
    tool_name: "Edit",
    tool_input: {
      file_path: "/repo/src/config.ts",
      old_string: "const port = 3000;\nconst host = 'localhost';",
      new_string: "const port = 8080;\nconst host = 'localhost';",
    },
  });
  const edit = await waitForButtons(fake, session.threadTs, "Edit src/config.ts?");
  const said = messageText(edit);
  expect(said).toContain("`/repo/src/config.ts`");
  const code = /```([\s\S]*?)```/.exec(said)?.[1];
  expect(code, `a code block in ${said}`).toBeDefined();
  expect(code).toContain("-const port = 3000;");
  expect(code).toContain("+const port = 8080;");
  expect(code).not.toMatch(/^[-+]const host/m);

  const command = "rm -rf build && npm run build";
  await askApproval(d, session.id, {
    title: "Run a command?",
    tool_name: "Bash",
    tool_input: { command, description: "Rebuild from scratch" },
  });
  const bash = await waitForButtons(fake, session.threadTs, "Run a command?");
  // In a code block too, Slack wants &, < and > escaped (it shows them as they were).
  const escaped = command.replace(/&/g, "&amp;");
  expect(messageText(bash)).toContain(`\`\`\`\n${escaped}\n\`\`\``);
  expect(messageText(bash)).toContain("_Rebuild from scratch_");
  expect(refusedCalls(fake)).toEqual([]);
});

it("never asks in Slack what a session rule answered, and the rule made on Slack is recorded", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "rules");
  const request = {
    title: "Run ls?",
    options: ["Allow", "Deny", "Allow Bash for this session"],
    tool_name: "Bash",
    tool_input: { command: "ls" },
  };
  const first = await askApproval(d, session.id, request);
  const asked = await waitForButtons(fake, session.threadTs, "Run ls?");
  await clickAndAck(fake, { messageTs: asked.ts, text: "Allow Bash for this session" });
  await waitForSettled(fake, asked);
  expect(await approvalOf(d, first)).toMatchObject({
    decision: "Allow Bash for this session",
    decided_by: `slack:${USER.id}`,
  });

  const second = await askApproval(d, session.id, { ...request, title: "Run ls again?" });
  expect(await approvalOf(d, second)).toMatchObject({ status: "resolved" });
  expect((await approvalOf(d, second)).decided_by).toMatch(/^rule:/);
  // Delivery is in order: once this output is in the thread, the rule's answer was handled.
  await postOutputs(d, session.id, ["after-the-rule done"]);
  await waitForThreadText(fake, session.threadTs, "after-the-rule");
  const withButtons = threadReplies(fake, session.threadTs).filter((m) => buttons(m).length > 0);
  expect(withButtons).toEqual([]);
  expect(
    fake.messages({ includeDeleted: true }).some((m) => messageText(m).includes("Run ls again?")),
  ).toBe(false);
  expect(refusedCalls(fake)).toEqual([]);
});

it("says an approval was withdrawn when its session ends, and a late click is told so", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "ending");
  const requestId = await askApproval(d, session.id, { title: "Rebase onto main?" });
  const asked = await waitForButtons(fake, session.threadTs, "Rebase onto main?");
  const ended = await d.api("POST", `/api/sessions/${session.id}/end`, {});
  expect(ended.status, ended.text).toBe(200);
  const settled = await waitForSettled(fake, asked);
  expect(messageText(settled)).toMatch(/withdrawn/i);
  expect((await approvalOf(d, requestId)).status).toBe("cancelled");

  await clickAndAck(fake, { messageTs: asked.ts, text: "Approve", stale: true });
  const told = await waitForEphemeral(fake, USER.id, () => true);
  expect(messageText(told)).toMatch(/withdrawn/i);
  expect((await approvalOf(d, requestId)).status).toBe("cancelled");
  expect(refusedCalls(fake)).toEqual([]);
});

it("fits the largest approval an agent may ask into one message Slack takes, every option a button", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "huge");
  // Every field at its bound, full of what mrkdwn and Block Kit trip over.
  const tricky = "*bold* _it_ `code` <@U0ADA000001> <!channel> & > ~x~ ";
  const title = `${tricky.repeat(20).slice(0, 480)} the end?`;
  const options = Array.from({ length: 20 }, (_, i) =>
    `${String(i + 1).padStart(2, "0")} ${tricky.repeat(5)}`.slice(0, 200),
  );
  const requestId = await askApproval(d, session.id, {
    title,
    description: `# Why\n\n${"Some **markdown** with `code` and <tags> & more.\n".repeat(1300)}`,
    options,
    tool_name: "Bash",
    tool_input: { command: `echo '${"x".repeat(60_000)}'`, description: tricky },
  });
  const asked = await waitForButtons(fake, session.threadTs, "the end?");
  const shown = buttons(asked);
  expect(shown).toHaveLength(20);
  for (const b of shown) expect(b.actionId.length).toBeLessThanOrEqual(255);
  expect(new Set(shown.map((b) => b.actionId)).size).toBe(20);
  // Slack would have refused a block over its limits; the fake checks them all.
  expect(refusedCalls(fake)).toEqual([]);

  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);
  await clickAndAck(fake, { messageTs: asked.ts, text: shown[19]!.text });
  expect((await poll).body).toMatchObject({
    type: "approval_response",
    data: { request_id: requestId, option: options[19] },
  });
  await waitForSettled(fake, asked);
  expect(refusedCalls(fake)).toEqual([]);
});
