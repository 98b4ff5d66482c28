// What people write in the group, through the real daemon and the real grammY against the fake
// Bot API: the allowed user's message in a session's topic is human input to that session (the
// agent receives it); a stranger's message and the bot's own do nothing; the commands /help,
// /sessions, /status, /interrupt and /new answer where they were sent.
import { expect, it } from "vitest";
import { USER } from "../fakes/telegram.js";
import {
  createExternalSession,
  events,
  STRANGER,
  useTelegram,
  waitForBotMessage,
  waitForEvent,
} from "../helpers/telegram.js";

const tg = useTelegram();

it("takes the allowed user's message in the topic as input the agent receives", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "chatty");
  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);
  fake.userSends({ text: "use pnpm, not npm", threadId: session.threadId });

  const got = await poll;
  expect(got.status, got.text).toBe(200);
  expect(got.body).toMatchObject({ type: "human_input", data: { text: "use pnpm, not npm" } });
  const input = await waitForEvent(d, session.id, (e) => e.type === "human_input");
  expect(input.data).toMatchObject({ text: "use pnpm, not npm", sender: `telegram:${USER.id}` });
});

it("ignores a stranger's message and the bot's own", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "ignored");
  fake.userSends({ text: "rm -rf / please", threadId: session.threadId, from: STRANGER });
  fake.userSends({ text: "an echo of the bot", threadId: session.threadId, from: fake.bot });
  // Updates are handled in order: once the allowed user's message is in, the others were seen.
  fake.userSends({ text: "the real one", threadId: session.threadId });
  await waitForEvent(
    d,
    session.id,
    (e) => e.type === "human_input" && e.data.text === "the real one",
  );
  const inputs = (await events(d, session.id)).filter((e) => e.type === "human_input");
  expect(inputs.map((e) => e.data.text)).toEqual(["the real one"]);
});

it("routes each topic's messages to its own session", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const a = await createExternalSession(d, "topic a");
  const b = await createExternalSession(d, "topic b");
  fake.userSends({ text: "for b", threadId: b.threadId });
  fake.userSends({ text: "for a", threadId: a.threadId });
  await waitForEvent(d, a.id, (e) => e.type === "human_input");
  await waitForEvent(d, b.id, (e) => e.type === "human_input");
  expect(
    (await events(d, a.id)).filter((e) => e.type === "human_input").map((e) => e.data.text),
  ).toEqual(["for a"]);
  expect(
    (await events(d, b.id)).filter((e) => e.type === "human_input").map((e) => e.data.text),
  ).toEqual(["for b"]);
});

it("/help in General lists the commands", async () => {
  const fake = await tg.fake();
  await tg.daemon();
  const sent = fake.userSends({ text: "/help" });
  const reply = await waitForBotMessage(fake, { afterId: sent.message_id as number });
  for (const command of ["/sessions", "/status", "/interrupt", "/new", "/help"]) {
    expect(reply.text).toContain(command);
  }
});

it("/sessions lists the sessions", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  await createExternalSession(d, "alpha session");
  await createExternalSession(d, "beta session");
  const sent = fake.userSends({ text: "/sessions" });
  const reply = await waitForBotMessage(fake, { afterId: sent.message_id as number });
  expect(reply.text).toContain("alpha session");
  expect(reply.text).toContain("beta session");
});

it("/status in a topic tells that session's state", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "status check");
  await d.api("POST", `/external/sessions/${session.id}/status`, { status: "thinking" });
  const sent = fake.userSends({ text: "/status", threadId: session.threadId });
  const reply = await waitForBotMessage(
    fake,
    { threadId: session.threadId, afterId: sent.message_id as number },
    (m) => /running/i.test(m.text),
    "a status reply saying running",
  );
  expect(reply.message_thread_id).toBe(session.threadId);
  // A command is not input for the agent.
  expect((await events(d, session.id)).filter((e) => e.type === "human_input")).toEqual([]);
});

it("/interrupt in a topic interrupts that session as the Telegram user", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "busy agent");
  const running = await d.api("POST", `/external/sessions/${session.id}/status`, {
    status: "thinking",
  });
  expect(running.body.state).toBe("running");
  fake.userSends({ text: "/interrupt", threadId: session.threadId });
  const interrupt = await waitForEvent(
    d,
    session.id,
    (e) => e.type === "interrupt",
    "an interrupt",
  );
  expect(interrupt.data.by).toBe(`telegram:${USER.id}`);
  expect((await d.api("GET", `/api/sessions/${session.id}`)).body.state).toBe("interrupting");
});

it("ignores a stranger's /interrupt", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "not yours");
  await d.api("POST", `/external/sessions/${session.id}/status`, { status: "thinking" });
  fake.userSends({ text: "/interrupt", threadId: session.threadId, from: STRANGER });
  fake.userSends({ text: "carry on", threadId: session.threadId });
  await waitForEvent(d, session.id, (e) => e.type === "human_input" && e.data.text === "carry on");
  expect((await events(d, session.id)).filter((e) => e.type === "interrupt")).toEqual([]);
});

it("/new in General without TETHER_DEFAULT_DIR says to set it", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const ids = async () =>
    (await d.api("GET", "/api/sessions")).body.sessions.map((s: { id: string }) => s.id);
  const before = await ids();
  const sent = fake.userSends({ text: "/new fix the flaky test" });
  const reply = await waitForBotMessage(fake, { afterId: sent.message_id as number });
  expect(reply.text).toContain("TETHER_DEFAULT_DIR");
  expect(await ids()).toEqual(before);
});
