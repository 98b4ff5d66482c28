// A Bot API server that does less than Telegram's (a minimal self-hosted gateway, another fake):
// no getChat, no right to pin or rename, and topic messages without `is_topic_message`. The
// bridge still starts, opens topics, delivers, and takes replies from a session's topic.
import { expect, it } from "vitest";
import { FORUM_CHAT, USER } from "../fakes/telegram.js";
import {
  bridgesHealth,
  createExternalSession,
  postOutputs,
  useTelegram,
  waitForEvent,
  waitForTopicText,
} from "../helpers/telegram.js";

const tg = useTelegram();

it("starts without getChat, and works in a group where it may not pin or rename", async () => {
  const fake = await tg.fake();
  fake.inject("getChat", { status: 404, description: "Not Found" });
  fake.inject("pinChatMessage", {
    status: 400,
    description: "Bad Request: not enough rights to manage pinned messages in the chat",
  });
  fake.inject("editForumTopic", {
    status: 400,
    description: "Bad Request: not enough rights to edit a topic",
  });
  const d = await tg.daemon();
  expect((await bridgesHealth(d))[0]).toMatchObject({ state: "connected" });

  const session = await createExternalSession(d, "no rights");
  const renamed = await d.api("PATCH", `/api/sessions/${session.id}`, { name: "still no rights" });
  expect(renamed.status, renamed.text).toBe(200);
  await postOutputs(d, session.id, ["after the refusals"]);
  // Neither refusal holds up the session: what came after them arrives.
  await waitForTopicText(fake, session.threadId, "after the refusals");
  expect(fake.pinned()).toEqual([]);
  expect(fake.topics()[0]!.name).toBe("no rights");
  expect((await bridgesHealth(d))[0]).toMatchObject({ state: "connected" });
});

it("takes a reply in a session's topic that is not marked a topic message", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "plain reply");
  fake.pushUpdate({
    message: {
      message_id: 9001,
      date: Math.floor(Date.now() / 1000),
      chat: { id: FORUM_CHAT.id, type: "supergroup", title: "Tether", is_forum: true },
      from: USER,
      message_thread_id: session.threadId,
      text: "carry on",
    },
  });
  const input = await waitForEvent(d, session.id, (e) => e.type === "human_input", "the reply");
  expect(input.data).toMatchObject({ text: "carry on", sender: `telegram:${USER.id}` });
});
