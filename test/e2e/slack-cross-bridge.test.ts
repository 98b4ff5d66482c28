// One approval in two chats at once: a daemon running the Slack bridge (the real Bolt against the
// fake Slack) and the Telegram bridge (the real grammY against the fake Bot API), each showing the
// session. The same approval clicked on Slack and on Telegram at the same moment is decided once,
// both messages then say who won and lose their buttons, and the loser's click is told who
// answered it.
import { afterEach, expect, it } from "vitest";
import type { FakeSlack, FakeSlackMessage } from "../fakes/slack.js";
import type { FakeMessage, FakeTelegram } from "../fakes/telegram.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  buttons,
  CHANNEL,
  createSlackSession,
  DELIVERY_MS,
  events,
  messageText,
  slackEnv,
  refusedCalls as slackRefusals,
  USER,
  useSlack,
  waitForButtons,
} from "../helpers/slack.js";
import {
  buttonTexts,
  USER as TG_USER,
  telegramEnv,
  refusedCalls as telegramRefusals,
  topicNamed,
  useTelegram,
  waitForCallbackAnswer,
  waitForButtons as waitForTelegramButtons,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

/** How every chat names the winner: by the name the winner's own bridge saw (the bridges share
 * what they know of people). */
const SLACK_WINNER = new RegExp(`@${USER.name} \\(on Slack\\)`);
const TELEGRAM_WINNER = new RegExp(`@${TG_USER.username} \\(on Telegram\\)`);

const slack = useSlack();
const tg = useTelegram();
let daemon: TestDaemon | undefined;
// After-hooks run newest first: the daemon closes before the fakes it talks to.
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

/** A daemon with both bridges, each against its fake, once both are listening. */
async function bothBridges(): Promise<{ d: TestDaemon; sl: FakeSlack; telegram: FakeTelegram }> {
  const sl = await slack.fake();
  const telegram = await tg.fake();
  const d = await startTestDaemon({
    token: "cross-bridge-token-0123456789abcdef0123456789abc",
    env: { ...telegramEnv(telegram), ...slackEnv(sl), TETHER_BRIDGE_ALL_SESSIONS: "true" },
  });
  daemon = d;
  await waitFor(() => telegram.polling() && sl.openConnections().length > 0, {
    timeoutMs: DELIVERY_MS,
    what: "both bridges to listen (a Telegram long poll, a Slack socket)",
  });
  return { d, sl, telegram };
}

/** The Slack message settled (edited, no buttons). */
const slackSettled = (sl: FakeSlack, asked: FakeSlackMessage) =>
  waitFor(
    () => {
      const m = sl.message(CHANNEL.id, asked.ts)!;
      return m.edits.length > 0 && buttons(m).length === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the Slack message edited without buttons" },
  );

/** The Telegram message settled (edited, no buttons). */
const telegramSettled = (telegram: FakeTelegram, asked: FakeMessage) =>
  waitFor(
    () => {
      const m = telegram.message(asked.chat_id, asked.message_id)!;
      return m.edits.length > 0 && buttonTexts(m).length === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the Telegram message edited without buttons" },
  );

it("decides once when Slack and Telegram click the same approval at the same moment; both say who won", async () => {
  const { d, sl, telegram } = await bothBridges();
  const session = await createSlackSession(d, "both chats");
  const topic = await topicNamed(telegram, "both chats");

  // Several races: the clicks sent in the same tick in either order, and Telegram's as Slack
  // acks (its bridge answers right after the ack). Whichever wins, the outcome is the same.
  const races = ["slack first", "telegram first", "on slack's ack"] as const;
  for (const [round, race] of [...races, ...races].entries()) {
    const title = `Merge pull request ${round + 1}?`;
    const requestId = await askApproval(d, session.id, { title, options: ["Merge", "Close"] });
    const onSlack = await waitForButtons(sl, session.threadTs, title);
    const onTelegram = await waitForTelegramButtons(telegram, topic.message_thread_id, title);
    expect(buttons(onSlack).map((b) => b.text)).toEqual(["Merge", "Close"]);
    expect(buttonTexts(onTelegram)).toEqual(["Merge", "Close"]);

    // Slack's user merges, Telegram's closes: the decision tells who won.
    const clickSlack = () => sl.click({ messageTs: onSlack.ts, text: "Merge" });
    const clickTelegram = () =>
      telegram.clickButton({ messageId: onTelegram.message_id, text: "Close", stale: true });
    let slackClick: ReturnType<typeof clickSlack>;
    let telegramQuery: string;
    if (race === "slack first") {
      slackClick = clickSlack();
      telegramQuery = clickTelegram();
    } else if (race === "telegram first") {
      telegramQuery = clickTelegram();
      slackClick = clickSlack();
    } else {
      slackClick = clickSlack();
      await sl.waitForAck(slackClick.envelope.envelope_id);
      telegramQuery = clickTelegram();
    }
    const acked = await sl.waitForAck(slackClick.envelope.envelope_id);
    expect(acked.ackMs).toBeLessThan(3000);
    const telegramAnswer = await waitForCallbackAnswer(telegram, telegramQuery);

    const approval = await waitFor(
      async () => {
        const a = (await d.api("GET", `/api/approvals/${requestId}`)).body;
        return a.status === "resolved" ? a : undefined;
      },
      { timeoutMs: DELIVERY_MS, what: "the approval to be decided" },
    );
    const slackWon = approval.decided_by === `slack:${USER.id}`;
    expect(approval).toMatchObject(
      slackWon
        ? { decision: "Merge", decided_by: `slack:${USER.id}` }
        : { decision: "Close", decided_by: `telegram:${TG_USER.id}` },
    );
    const decisions = (await events(d, session.id)).filter(
      (e) => e.type === "approval_resolved" && e.data.request_id === requestId,
    );
    expect(decisions, "exactly one decision").toHaveLength(1);

    // Both messages say who won, wherever it was seen.
    const slackNow = messageText(await slackSettled(sl, onSlack));
    const telegramNow = (await telegramSettled(telegram, onTelegram)).text;
    if (slackWon) {
      expect(slackNow).toContain(`Merge* — answered by @${USER.name} (on Slack)`);
      expect(telegramNow).toContain("Merge");
      expect(telegramNow).toMatch(SLACK_WINNER);
      // The loser, on Telegram, is told the approval was answered and by whom.
      expect(telegramAnswer.text ?? "").toMatch(/^Already answered: Merge/);
      expect(telegramAnswer.text ?? "").toMatch(SLACK_WINNER);
      expect(sl.ephemerals.filter((e) => e.user === USER.id)).toEqual([]);
    } else {
      expect(slackNow).toContain("Close");
      expect(slackNow).toMatch(TELEGRAM_WINNER);
      expect(telegramNow).toContain("Close");
      expect(telegramNow).toContain(`@${TG_USER.username} (on Telegram)`);
      // The loser, on Slack, is told privately who answered.
      const told = await waitFor(
        () => sl.ephemerals.find((e) => e.user === USER.id && /answered already/i.test(e.text)),
        {
          timeoutMs: DELIVERY_MS,
          what: () => `the Slack user to be told; ephemerals: ${JSON.stringify(sl.ephemerals)}`,
        },
      );
      expect(messageText(told)).toContain("Close");
      expect(messageText(told)).toMatch(TELEGRAM_WINNER);
      expect(telegramAnswer.text ?? "").toBe("Close ✓");
    }
    sl.ephemerals.length = 0;
  }
  expect(slackRefusals(sl)).toEqual([]);
  expect(telegramRefusals(telegram)).toEqual([]);
});

it("tells a Telegram click after Slack's answer who answered, and both messages say so", async () => {
  const { d, sl, telegram } = await bothBridges();
  const session = await createSlackSession(d, "slack first");
  const topic = await topicNamed(telegram, "slack first");
  const requestId = await askApproval(d, session.id, { title: "Tag the release?" });
  const onSlack = await waitForButtons(sl, session.threadTs, "Tag the release?");
  const onTelegram = await waitForTelegramButtons(
    telegram,
    topic.message_thread_id,
    "Tag the release?",
  );

  sl.click({ messageTs: onSlack.ts, text: "Approve" });
  await waitFor(
    async () => (await d.api("GET", `/api/approvals/${requestId}`)).body.status === "resolved",
    { timeoutMs: DELIVERY_MS, what: "Slack's click to decide" },
  );
  // A phone that has not caught up yet still shows the buttons.
  const late = telegram.clickButton({
    messageId: onTelegram.message_id,
    text: "Reject",
    stale: true,
  });
  const answer = await waitForCallbackAnswer(telegram, late);
  expect(answer.text ?? "").toMatch(/^Already answered: Approve/);
  expect(answer.text ?? "").toMatch(SLACK_WINNER);
  expect(messageText(await slackSettled(sl, onSlack))).toContain(
    `Approved by @${USER.name} (on Slack)`,
  );
  const telegramNow = (await telegramSettled(telegram, onTelegram)).text;
  expect(telegramNow).toContain("Approve");
  expect(telegramNow).toMatch(SLACK_WINNER);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body).toMatchObject({
    decision: "Approve",
    decided_by: `slack:${USER.id}`,
  });
  expect((await events(d, session.id)).filter((e) => e.type === "approval_resolved")).toHaveLength(
    1,
  );
  expect(slackRefusals(sl)).toEqual([]);
  expect(telegramRefusals(telegram)).toEqual([]);
});
