// A session's forum topic, through the real daemon and the real grammY against the fake Bot API:
// an external agent with `platform: "telegram"` gets its topic before the reply (thread_info
// names it), named after the session, with a pinned header; a rename renames the topic.
import { expect, it } from "vitest";
import {
  botMessages,
  bridgesHealth,
  createExternalSession,
  DELIVERY_MS,
  postOutputs,
  topicNamed,
  useTelegram,
  waitForBotMessage,
  waitForEvent,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();

it("opens the topic before answering, named after the session, and pins a header", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "fix the login bug", {
    name: "Builder",
    type: "custom",
    workspace: "/repo/app",
  });
  // The reply came after the topic was created: it is there already, no waiting.
  const topic = fake.topics().find((t) => t.message_thread_id === session.threadId);
  expect(topic?.name).toBe("fix the login bug");
  expect(session.reply.thread_info).toEqual({
    platform: "telegram",
    thread_id: String(topic!.message_thread_id),
  });

  const header = await waitForBotMessage(fake, { threadId: session.threadId });
  expect(header.text).toContain("Builder");
  expect(header.text).toContain("/repo/app");
  await waitFor(() => fake.pinned().includes(header.message_id), {
    timeoutMs: DELIVERY_MS,
    what: () => `the header ${header.message_id} pinned; pinned: ${fake.pinned()}`,
  });
  // It is the topic's first bot message.
  expect(botMessages(fake, session.threadId)[0]?.message_id).toBe(header.message_id);
});

it("gives each session its own topic", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const a = await createExternalSession(d, "session one");
  const b = await createExternalSession(d, "session two");
  expect(a.threadId).not.toBe(b.threadId);
  expect(fake.topics().map((t) => t.name)).toEqual(["session one", "session two"]);
});

it("renames the topic when the session is renamed", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "first name");
  const res = await d.api("PATCH", `/api/sessions/${session.id}`, { name: "a better name" });
  expect(res.status, res.text).toBe(200);
  const topic = await waitFor(
    () =>
      fake
        .topics()
        .find((t) => t.message_thread_id === session.threadId && t.name === "a better name"),
    {
      timeoutMs: DELIVERY_MS,
      what: () => `the topic renamed; topics: ${JSON.stringify(fake.topics())}`,
    },
  );
  expect(topic.renames).toEqual(["first name"]);
});

it("keeps a topic name within Telegram's 128 characters for a long session name", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const long = `refactor ${"the authentication module ".repeat(7)}`.trim();
  expect(long.length).toBeGreaterThan(128);
  const session = await createExternalSession(d, long);
  const topic = fake.topics().find((t) => t.message_thread_id === session.threadId)!;
  expect(topic.name.length).toBeLessThanOrEqual(128);
  expect(topic.name.startsWith("refactor the authentication module")).toBe(true);
});

it("opens a topic for a session registered without a platform too (TETHER_BRIDGE_ALL_SESSIONS)", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const res = await d.api("POST", "/external/sessions", { session_name: "no platform given" });
  expect(res.status, res.text).toBe(200);
  await topicNamed(fake, "no platform given");
});

it("links the header to the session in the web app when TETHER_PUBLIC_URL is set", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TETHER_PUBLIC_URL: "https://tether.example.test" } });
  const session = await createExternalSession(d, "with a link");
  const header = await waitForBotMessage(fake, { threadId: session.threadId });
  expect(header.source).toContain("https://tether.example.test");
  expect(header.source).toContain(session.id);
  expect(header.entities.some((e) => e.type === "text_link")).toBe(true);
});

it("opens a new topic for a session whose topic was deleted, and goes on there", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "phoenix");
  await postOutputs(d, session.id, ["before the delete"]);
  await waitForTopicText(fake, session.threadId, "before the delete");
  fake.deleteTopic(session.threadId);

  await postOutputs(d, session.id, ["after the delete"]);
  const reborn = await waitFor(
    () =>
      fake.topics().find((t) => t.name === "phoenix" && t.message_thread_id !== session.threadId),
    { timeoutMs: DELIVERY_MS, what: () => `a new topic; topics: ${JSON.stringify(fake.topics())}` },
  );
  await waitForTopicText(fake, reborn.message_thread_id, "after the delete");
  // Input there reaches the session.
  fake.userSends({ text: "hello again", threadId: reborn.message_thread_id });
  await waitForEvent(
    d,
    session.id,
    (e) => e.type === "human_input" && e.data.text === "hello again",
  );
});

it("with TETHER_BRIDGE_ALL_SESSIONS=0 opens topics only for sessions on Telegram", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TETHER_BRIDGE_ALL_SESSIONS: "0" } });
  const other = await d.api("POST", "/external/sessions", {
    session_name: "on slack",
    platform: "slack",
  });
  expect(other.status, other.text).toBe(200);
  await postOutputs(d, other.body.session_id, ["for slack only"]);
  const mine = await createExternalSession(d, "on telegram");
  await postOutputs(d, mine.id, ["for telegram"]);
  await waitForTopicText(fake, mine.threadId, "for telegram");
  // Everything committed has been seen by the bridge.
  await waitFor(async () => (await bridgesHealth(d))[0]?.backlog === 0, {
    timeoutMs: DELIVERY_MS,
    what: "the bridge's backlog to empty",
  });
  expect(fake.topics().map((t) => t.name)).toEqual(["on telegram"]);
});
