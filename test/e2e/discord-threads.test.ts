// A session's thread in the Discord channel, through the real daemon and the real @discordjs
// libraries against the fake Discord: a starter message and a thread per session, the agent's
// output in order, an approval's buttons answered by an allowed user's click as discord:<id>,
// a reply in the thread as human input, and /tether registered for the server.
import { expect, it } from "vitest";
import {
  askApproval,
  CHANNEL,
  createDiscordSession,
  DELIVERY_MS,
  expectEachOnceInOrder,
  numberedOutputs,
  postOutputs,
  refusedCalls,
  STRANGER,
  threadMessages,
  threadText,
  USER,
  useDiscord,
  waitForEvent,
  waitForThreadText,
} from "../helpers/discord.js";
import { waitFor } from "../helpers/wait.js";

const discord = useDiscord();

it("opens a thread per session on a starter message, and posts the output there in order", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "refactor auth");
  const thread = fake.thread(session.threadId);
  expect(thread).toMatchObject({
    parent_id: CHANNEL.id,
    name: expect.stringContaining("refactor auth"),
  });
  expect(fake.message(session.threadId)?.content).toContain("refactor auth");
  // /tether is there for the server's members.
  expect(fake.commands().map((c) => c.name)).toContain("tether");

  const outputs = numberedOutputs(30);
  await postOutputs(d, session.id, outputs);
  const text = await waitForThreadText(fake, session.threadId, "out-030");
  expectEachOnceInOrder(text, outputs);
  expect(refusedCalls(fake)).toEqual([]);
});

it("shows an approval with buttons, and an allowed user's click answers the agent", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "deploys");
  const requestId = await askApproval(d, session.id, {
    title: "Deploy to staging?",
    options: ["Approve", "Reject"],
  });
  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);
  const asked = await waitFor(
    () => threadMessages(fake, session.threadId).find((m) => (m.components?.length ?? 0) > 0),
    { timeoutMs: DELIVERY_MS, what: "the approval's buttons" },
  );
  expect(asked.content).toContain("Deploy to staging?");

  const stranger = fake.clickButton({ messageId: asked.id, label: "Approve", user: STRANGER });
  await fake.waitForAck(stranger.id);
  const click = fake.clickButton({ messageId: asked.id, label: "Approve" });
  const got = await poll;
  expect(got.body).toMatchObject({
    type: "approval_response",
    data: { request_id: requestId, option: "Approve", decided_by: `discord:${USER.id}` },
  });
  const acked = await fake.waitForAck(click.id);
  expect(acked).toBeDefined();
  const settled = await waitFor(
    () => {
      const m = fake.message(asked.id)!;
      return m.edits.length > 0 && (m.components?.length ?? 0) === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the approval message edited without buttons" },
  );
  expect(settled.content).toContain("Approved by");
  // The stranger was told, privately, and decided nothing.
  expect(fake.ephemerals.length).toBeGreaterThan(0);
  expect(refusedCalls(fake)).toEqual([]);
});

it("takes a message in the thread from an allowed user as human input, and ignores bots", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "chat");
  fake.otherBotSays({ content: "a bot speaks", channelId: session.threadId });
  fake.userSays({ content: "from a stranger", channelId: session.threadId, user: STRANGER });
  fake.userSays({ content: "please also fix the docs", channelId: session.threadId });
  const input = await waitForEvent(d, session.id, (e) => e.type === "human_input", "human input");
  expect(input.data).toMatchObject({
    text: "please also fix the docs",
    sender: `discord:${USER.id}`,
  });
});

it("never pings anyone from agent text, and sends a very long output as a file", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "report");
  await postOutputs(d, session.id, [
    "Done @everyone, see **the report** and ping <@123456789012345678>",
  ]);
  const said = await waitForThreadText(fake, session.threadId, "the report");
  // Every message the bridge posts tells Discord to ping nobody, whatever its text says.
  const posts = fake.callsOf("POST /channels/:id/messages");
  expect(posts.length).toBeGreaterThan(0);
  for (const post of posts) {
    expect((post.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
  }
  expect(said).not.toMatch(/(^|[^\u200b])@everyone/);

  const report = Array.from({ length: 800 }, (_, i) => `line ${i + 1} of the report`).join("\n");
  await postOutputs(d, session.id, [report]);
  const withFile = await waitFor(
    () => threadMessages(fake, session.threadId).find((m) => m.files.length > 0),
    { timeoutMs: DELIVERY_MS, what: "the long output as a file" },
  );
  expect(withFile.files[0]!.bytes.toString("utf8")).toBe(report);
  expect(threadText(fake, session.threadId)).not.toContain("line 800 of the report");
  expect(refusedCalls(fake)).toEqual([]);
});

it("renames the thread with its session", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "first name");
  const renamed = await d.api("PATCH", `/api/sessions/${session.id}`, { name: "second name" });
  expect(renamed.status, renamed.text).toBe(200);
  await waitFor(() => fake.thread(session.threadId)?.name.includes("second name"), {
    timeoutMs: DELIVERY_MS,
    what: "the thread renamed",
  });
  expect(refusedCalls(fake)).toEqual([]);
});
