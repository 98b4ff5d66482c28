// One approval answered on Telegram, Slack and Discord at the same moment, in one daemon running
// all three bridges against their fakes: exactly one decision, and the three messages then agree
// on who won (each names the winner the same way, and none keeps its buttons).
import { afterEach, expect, it } from "vitest";
import { USER as DISCORD_USER, type FakeDiscord } from "../fakes/discord.js";
import { type FakeSlack, CHANNEL as SLACK_CHANNEL, USER as SLACK_USER } from "../fakes/slack.js";
import { type FakeTelegram, USER as TG_USER } from "../fakes/telegram.js";
import { askApproval, createPlatformSession, DELIVERY_MS } from "../helpers/bridge-sessions.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { discordEnv, threadMessages, useDiscord } from "../helpers/discord.js";
import { buttons, messageText, slackEnv, useSlack, waitForButtons } from "../helpers/slack.js";
import {
  buttonTexts,
  telegramEnv,
  topicNamed,
  useTelegram,
  waitForButtons as waitForTelegramButtons,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();
const slack = useSlack();
const discord = useDiscord();
let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

async function threeBridges() {
  const telegram: FakeTelegram = await tg.fake();
  const sl: FakeSlack = await slack.fake();
  const dc: FakeDiscord = await discord.fake();
  const d = await startTestDaemon({
    token: "three-bridges-token-0123456789abcdef0123456789ab",
    env: { ...telegramEnv(telegram), ...slackEnv(sl), ...discordEnv(dc) },
  });
  daemon = d;
  await dc.waitForReady(1);
  await waitFor(() => telegram.polling() && sl.openConnections().length > 0, {
    timeoutMs: DELIVERY_MS,
    what: "the Telegram long poll and the Slack socket",
  });
  return { d, telegram, sl, dc };
}

it("decides once when the same approval is clicked on Telegram, Slack and Discord at once; all three agree", async () => {
  const { d, telegram, sl, dc } = await threeBridges();
  const session = await createPlatformSession(d, "three chats", "slack");
  const topic = await topicNamed(telegram, "three chats");
  const requestId = await askApproval(d, session.id, {
    title: "Ship the release?",
    options: ["Ship", "Hold"],
  });
  const onSlack = await waitForButtons(sl, session.threadId, "Ship the release?");
  const onTelegram = await waitForTelegramButtons(
    telegram,
    topic.message_thread_id,
    "Ship the release?",
  );
  const discordThread = () => dc.threads().find((t) => t.name.includes("three chats"))?.id;
  const onDiscord = await waitFor(
    () => {
      const id = discordThread();
      return id === undefined
        ? undefined
        : threadMessages(dc, id).find((m) => (m.components?.length ?? 0) > 0);
    },
    { timeoutMs: DELIVERY_MS, what: "the Discord approval's buttons" },
  );

  // The three clicks in the same tick.
  sl.click({ messageTs: onSlack.ts, text: "Ship" });
  telegram.clickButton({ messageId: onTelegram.message_id, text: "Hold" });
  dc.clickButton({ messageId: onDiscord.id, label: "Ship" });

  const decided = await waitFor(
    async () => {
      const a = (await d.api("GET", `/api/approvals/${requestId}`)).body;
      return a.status === "resolved" && a;
    },
    { timeoutMs: DELIVERY_MS, what: "the decision" },
  );
  const events = (await d.api("GET", `/api/sessions/${session.id}/events?since_seq=0`)).body
    .events as { type: string }[];
  expect(events.filter((e) => e.type === "approval_resolved")).toHaveLength(1);
  const winner: Record<string, string> = {
    [`slack:${SLACK_USER.id}`]: `@${SLACK_USER.name} (on Slack)`,
    [`telegram:${TG_USER.id}`]: `@${TG_USER.username} (on Telegram)`,
    [`discord:${DISCORD_USER.id}`]: `@${DISCORD_USER.username} (on Discord)`,
  };
  const said = winner[decided.decided_by as string];
  expect(said, decided.decided_by).toBeDefined();

  // All three messages settle, without buttons, naming the same winner.
  await waitFor(
    () => {
      const s = sl.message(SLACK_CHANNEL.id, onSlack.ts)!;
      const t = telegram.message(onTelegram.chat_id, onTelegram.message_id)!;
      const m = dc.message(onDiscord.id)!;
      return (
        buttons(s).length === 0 &&
        buttonTexts(t).length === 0 &&
        (m.components?.length ?? 0) === 0 &&
        messageText(s).includes(said!) &&
        t.text.includes(said!) &&
        m.content.includes(said!)
      );
    },
    {
      timeoutMs: DELIVERY_MS,
      what: () =>
        `all three messages to name ${said}: ${JSON.stringify([
          messageText(sl.message(SLACK_CHANNEL.id, onSlack.ts)!),
          telegram.message(onTelegram.chat_id, onTelegram.message_id)!.text,
          dc.message(onDiscord.id)!.content,
        ])}`,
    },
  );
});
