// Proves the real grammY client (with @grammyjs/auto-retry) works against the fake Telegram Bot
// API: topics, HTML messages, long polling, button clicks, the real error answers, 429 retries,
// the 409 of a second poller, an outage and a wrong token.
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";
import {
  type FakeTelegram,
  FORUM_CHAT,
  GROUP_CHAT,
  serverError,
  startFakeTelegram,
  tooManyRequests,
  USER,
} from "./telegram.js";

let fake: FakeTelegram;
let bots: Bot[] = [];
/** What each running bot's `start()` ended with, so no rejection goes unhandled. */
let runs: Promise<unknown>[] = [];

beforeEach(async () => {
  fake = await startFakeTelegram();
});

afterEach(async () => {
  await fake.up().catch(() => undefined); // a test that failed mid-outage
  for (const bot of bots) if (bot.isRunning()) await bot.stop();
  await Promise.all(runs);
  bots = [];
  runs = [];
  await fake.close();
});

function makeBot(token = fake.token): Bot {
  const bot = new Bot(token, { client: { apiRoot: fake.url, timeoutSeconds: 10 } });
  // As the bridge will: honour retry_after, but fail fast on 5xx and network errors in tests
  // (auto-retry backs those off from 3 s).
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: 3,
      maxDelaySeconds: 5,
      rethrowInternalServerErrors: true,
      rethrowHttpErrors: true,
    }),
  );
  bot.catch((error) => {
    throw error.error;
  });
  bots.push(bot);
  return bot;
}

/** Starts long polling; resolves once the first getUpdates is held open by the fake, with
 * `run`: what `bot.start()` ends with (wrapped, since an async function would adopt it). */
async function startPolling(bot: Bot): Promise<{ run: Promise<unknown> }> {
  const run = bot.start({ timeout: 5, allowed_updates: ["message", "callback_query"] }).then(
    () => "stopped",
    (error: unknown) => error,
  );
  runs.push(run);
  await waitFor(() => fake.polling(), { what: "the bot to long poll" });
  return { run };
}

async function topic(bot: Bot, name = "fix the build"): Promise<number> {
  const created = await bot.api.createForumTopic(FORUM_CHAT.id, name);
  return created.message_thread_id;
}

describe("fake Telegram Bot API with the real grammY", () => {
  it("answers getMe for the token's bot", async () => {
    const me = await makeBot().api.getMe();
    expect(me).toMatchObject({ id: 123456789, is_bot: true, username: "tether_test_bot" });
  });

  it("creates a forum topic and sends HTML into it", async () => {
    const bot = makeBot();
    const thread = await topic(bot);
    expect(fake.topics()).toMatchObject([{ message_thread_id: thread, name: "fix the build" }]);

    const sent = await bot.api.sendMessage(FORUM_CHAT.id, "<b>Build</b> &amp; <i>test</i>", {
      parse_mode: "HTML",
      message_thread_id: thread,
    });
    expect(sent).toMatchObject({
      message_thread_id: thread,
      is_topic_message: true,
      text: "Build & test",
      entities: [
        { type: "bold", offset: 0, length: 5 },
        { type: "italic", offset: 8, length: 4 },
      ],
    });
    const [stored] = fake.messages({ threadId: thread });
    expect(stored).toMatchObject({
      source: "<b>Build</b> &amp; <i>test</i>",
      text: "Build & test",
    });

    await expect(bot.api.createForumTopic(GROUP_CHAT.id, "x")).rejects.toMatchObject({
      error_code: 400,
      description: "Bad Request: the chat is not a forum",
    });
    await expect(bot.api.createForumTopic(FORUM_CHAT.id, "x".repeat(129))).rejects.toThrow(
      /TOPIC_NAME_INVALID/,
    );
    await bot.api.editForumTopic(FORUM_CHAT.id, thread, { name: "fixed the build" });
    expect(fake.topics()[0]).toMatchObject({ name: "fixed the build", renames: ["fix the build"] });
  });

  it("refuses what the real API refuses in sendMessage", async () => {
    const api = makeBot().api;
    const chat = FORUM_CHAT.id;
    await expect(api.sendMessage(chat, "<b>open", { parse_mode: "HTML" })).rejects.toMatchObject({
      error_code: 400,
      description: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
    });
    await expect(api.sendMessage(chat, "<div>x</div>", { parse_mode: "HTML" })).rejects.toThrow(
      /can't parse entities: Unsupported start tag "div" at byte offset 0/,
    );
    await expect(api.sendMessage(chat, "<b><i>x</b></i>", { parse_mode: "HTML" })).rejects.toThrow(
      /Unmatched end tag/,
    );
    await expect(api.sendMessage(chat, "x".repeat(4097))).rejects.toThrow(
      "Bad Request: message is too long",
    );
    await expect(
      api.sendMessage(chat, "pick", {
        reply_markup: new InlineKeyboard().text("too long", "x".repeat(65)),
      }),
    ).rejects.toThrow("Bad Request: BUTTON_DATA_INVALID");
    await expect(api.sendMessage(chat, "x", { message_thread_id: 999 })).rejects.toThrow(
      "Bad Request: message thread not found",
    );
    // Escaped text, links and code with a language are fine.
    const ok = await api.sendMessage(
      chat,
      `a &lt;b&gt; <a href="https://x.test/?a=1&amp;b=2">link</a> <pre><code class="language-ts">let x</code></pre>`,
      { parse_mode: "HTML" },
    );
    expect(ok.text).toBe("a <b> link let x");
    expect(ok.entities).toEqual([
      { type: "text_link", offset: 6, length: 4, url: "https://x.test/?a=1&b=2" },
      { type: "pre", offset: 11, length: 5, language: "ts" },
    ]);
    expect(fake.messages()).toHaveLength(1);
  });

  it("delivers a user's topic message to bot.on('message') by long polling", async () => {
    const bot = makeBot();
    const thread = await topic(bot);
    const got: { text: string; thread: number | undefined }[] = [];
    bot.on("message:text", (ctx) => {
      got.push({ text: ctx.message.text, thread: ctx.message.message_thread_id });
    });
    await startPolling(bot);

    fake.userSends({ text: "run the tests", threadId: thread });
    await waitFor(() => got.length === 1, { what: "the message handler" });
    expect(got).toEqual([{ text: "run the tests", thread }]);
    // The next poll confirms the update (offset), so it is not delivered again.
    await waitFor(() => fake.pendingUpdates().length === 0, { what: "the update to be confirmed" });
    expect(fake.callsOf("getUpdates")[0]!.params).toMatchObject({
      timeout: 5,
      allowed_updates: ["message", "callback_query"],
    });
  });

  it("routes a button click to the handler, which answers and edits the message", async () => {
    const bot = makeBot();
    const thread = await topic(bot);
    bot.callbackQuery(/^approve:(\d+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Approved" });
      await ctx.editMessageText(`<b>Approved</b> by ${ctx.from.first_name}`, {
        parse_mode: "HTML",
      });
    });
    const sent = await bot.api.sendMessage(FORUM_CHAT.id, "<b>Run rm -rf build?</b>", {
      parse_mode: "HTML",
      message_thread_id: thread,
      reply_markup: new InlineKeyboard().text("Approve", "approve:7").text("Deny", "deny:7"),
    });
    await startPolling(bot);

    const id = fake.clickButton({ messageId: sent.message_id, text: "Approve" });
    await waitFor(() => fake.message(FORUM_CHAT.id, sent.message_id)?.edits.length === 1, {
      what: "the edit",
    });
    expect(fake.callbackAnswers).toEqual([{ callback_query_id: id, text: "Approved" }]);
    const message = fake.message(FORUM_CHAT.id, sent.message_id)!;
    expect(message.text).toBe(`Approved by ${USER.first_name}`);
    expect(message.reply_markup).toBeUndefined(); // left out of the edit → keyboard removed
    expect(message.edits[0]).toMatchObject({ text: "Run rm -rf build?" });
    expect(message.edits[0]!.reply_markup?.inline_keyboard[0]).toHaveLength(2);
    // The same query cannot be answered twice.
    await expect(bot.api.answerCallbackQuery(id)).rejects.toThrow(/query is too old/);
  });

  it("surfaces 'message is not modified' as a GrammyError", async () => {
    const api = makeBot().api;
    const markup = new InlineKeyboard().text("Stop", "stop:1");
    const sent = await api.sendMessage(FORUM_CHAT.id, "working…", { reply_markup: markup });
    const same = api.editMessageText(FORUM_CHAT.id, sent.message_id, "working…", {
      reply_markup: markup,
    });
    await expect(same).rejects.toBeInstanceOf(GrammyError);
    await expect(same).rejects.toMatchObject({
      error_code: 400,
      description: expect.stringMatching(/^Bad Request: message is not modified/),
    });
    // Same text without the markup is a change: the keyboard goes.
    await api.editMessageText(FORUM_CHAT.id, sent.message_id, "working…");
    expect(fake.message(FORUM_CHAT.id, sent.message_id)!.reply_markup).toBeUndefined();
  });

  it("retries a 429 after retry_after (auto-retry) and the message arrives once", async () => {
    const api = makeBot().api;
    fake.inject("sendMessage", tooManyRequests(1));
    const started = Date.now();
    await api.sendMessage(FORUM_CHAT.id, "hello");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.callsOf("sendMessage").map((c) => c.status)).toEqual([429, 200]);
    expect(fake.callsOf("sendMessage")[0]!.description).toBe("Too Many Requests: retry after 1");
    expect(fake.messages().map((m) => m.text)).toEqual(["hello"]);

    fake.inject("sendMessage", serverError(502));
    await expect(api.sendMessage(FORUM_CHAT.id, "x")).rejects.toMatchObject({ error_code: 502 });
    fake.inject("sendMessage", { drop: "reset" });
    await expect(api.sendMessage(FORUM_CHAT.id, "x")).rejects.toBeInstanceOf(HttpError);
    expect(fake.messages()).toHaveLength(1);
  });

  it("ends the waiting poll with 409 when a second poller starts", async () => {
    const first = makeBot();
    const { run: firstRun } = await startPolling(first);
    const second = makeBot();
    const got: string[] = [];
    second.on("message:text", (ctx) => {
      got.push(ctx.message.text);
    });
    const secondRun = second.start({ timeout: 5 }).then(
      () => "stopped",
      (error: unknown) => error,
    );
    runs.push(secondRun);

    // grammY rethrows 409 from its polling loop: the bot that was waiting stops.
    const error = await firstRun;
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({
      error_code: 409,
      description: expect.stringMatching(/^Conflict: terminated by other getUpdates request/),
    });
    expect(first.isRunning()).toBe(false);
    // The newer poller keeps the updates.
    fake.userSends({ text: "still here" });
    await waitFor(() => got.length === 1, { what: "the second bot to get the message" });
  });

  it("rides out an outage: refused while down, polling recovers when up", async () => {
    const bot = makeBot();
    const got: string[] = [];
    bot.on("message:text", (ctx) => {
      got.push(ctx.message.text);
    });
    await startPolling(bot);

    await fake.down();
    const refused = await bot.api.sendMessage(FORUM_CHAT.id, "x").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    // A pooled keep-alive socket hangs up; a new connection is refused.
    expect(String((refused as HttpError).error)).toMatch(/ECONNREFUSED|socket hang up/);
    const raw = await fetch(`${fake.url}/bot${fake.token}/getMe`).catch((e: Error) => e.cause);
    expect(raw).toMatchObject({ code: "ECONNREFUSED" });

    await fake.up();
    fake.userSends({ text: "back" });
    // grammY waits 3 s after a failed poll before the next one.
    await waitFor(() => got.length === 1, { timeoutMs: 10_000, what: "the message after up()" });
    expect(got).toEqual(["back"]);

    await fake.down("reset");
    const reset = await bot.api.getMe().catch((e: unknown) => e);
    expect(String((reset as HttpError).error)).toMatch(/ECONNRESET|socket hang up/);
    await fake.up();
    await expect(bot.api.getMe()).resolves.toMatchObject({ is_bot: true });
  });

  it("answers 401 Unauthorized for a wrong token and 404 for an unknown method", async () => {
    const bot = makeBot("123456789:not-the-token");
    await expect(bot.api.getMe()).rejects.toMatchObject({
      error_code: 401,
      description: "Unauthorized",
    });
    // bot.start() gives up on 401 instead of retrying.
    await expect(bot.start()).rejects.toMatchObject({ error_code: 401 });

    const res = await fetch(`${fake.url}/bot${fake.token}/sendTelepathy`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("records documents (multipart), chat actions, pins and answers getChat", async () => {
    const api = makeBot().api;
    const thread = await topic(makeBot());
    await api.sendChatAction(FORUM_CHAT.id, "typing", { message_thread_id: thread });
    expect(fake.chatActions).toMatchObject([
      { chat_id: FORUM_CHAT.id, action: "typing", message_thread_id: thread },
    ]);

    const doc = await api.sendDocument(
      FORUM_CHAT.id,
      new InputFile(Buffer.from("line 1\nline 2\n"), "build.log"),
      { caption: "<i>the log</i>", parse_mode: "HTML", message_thread_id: thread },
    );
    expect(doc.document).toMatchObject({ file_name: "build.log", file_size: 14 });
    expect(doc.caption).toBe("the log");
    const stored = fake.messages({ threadId: thread })[0]!;
    expect(stored.document?.bytes.toString()).toBe("line 1\nline 2\n");

    const note = await api.sendMessage(FORUM_CHAT.id, "Session: fix the build", {
      message_thread_id: thread,
    });
    await api.pinChatMessage(FORUM_CHAT.id, note.message_id, { disable_notification: true });
    expect(fake.pinned()).toEqual([note.message_id]);
    const chat = await api.getChat(FORUM_CHAT.id);
    expect(chat).toMatchObject({
      id: FORUM_CHAT.id,
      type: "supergroup",
      is_forum: true,
      pinned_message: { message_id: note.message_id },
    });
    await expect(api.getChat(42)).rejects.toThrow("Bad Request: chat not found");
  });

  it("applies an optional per-chat rate limit", async () => {
    await fake.close();
    fake = await startFakeTelegram({ chatRateLimit: { max: 1, perMs: 60_000 } });
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url } });
    await bot.api.sendMessage(FORUM_CHAT.id, "one");
    await expect(bot.api.sendMessage(FORUM_CHAT.id, "two")).rejects.toMatchObject({
      error_code: 429,
      parameters: { retry_after: 60 },
    });
    await bot.api.sendMessage(GROUP_CHAT.id, "elsewhere");
  });
});
