// Proves the real @slack/bolt (Socket Mode, its WebClient and SocketModeClient) works against the
// fake Slack: start-up (auth.test, apps.connections.open, hello), posting, threads, edits,
// ephemerals, files, Block Kit limits, a user's message, a button click, a slash command, acks
// and their deadline, 429 + Retry-After, 5xx retries, platform errors, disconnects and a clean
// stop. Each test is also a recipe for the bridge's own tests.
import { App, LogLevel, SocketModeReceiver } from "@slack/bolt";
import { ErrorCode, type Logger, WebClient, WebClientEvent } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { waitFor } from "../helpers/wait.js";
import {
  BOT,
  CHANNEL,
  type FakeSlack,
  type FakeSlackOptions,
  missingScope,
  OTHER_CHANNEL,
  OUTSIDER,
  PRIVATE_CHANNEL,
  rateLimited,
  STRANGER,
  serverError,
  slackError,
  startFakeSlack,
  USER,
} from "./slack.js";

let fake: FakeSlack;
let apps: App[] = [];

beforeEach(async () => {
  fake = await startFakeSlack();
});

afterEach(async () => {
  for (const app of apps) await stopApp(app);
  apps = [];
  await fake.close();
});

/** The Socket Mode client inside Bolt's receiver (not exported by Bolt's types). */
interface SocketClient {
  start(): Promise<unknown>;
  disconnect(): Promise<void>;
  on(event: "disconnected", listener: () => void): void;
}
function socketClient(app: App): SocketClient {
  return (app as unknown as { receiver: { client: SocketClient } }).receiver.client;
}

/** Bolt's app.stop() does not wait for the close handshake; without this a 30 s timer of the
 * socket outlives the test (shared/research/bridges.md §2). */
async function stopApp(app: App): Promise<void> {
  await socketClient(app).disconnect();
  await app.stop();
}

const retryConfig = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 };

/** web-api logs Slack's `[ERROR]` response messages and each retry; the tests check them. */
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** A bare WebClient against the fake, for the Web API tests that need no socket. */
const webClient = (token = fake.botToken) =>
  new WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig, logger: silent });

/** As the bridge will build it: an explicit receiver (App does not pass clientPingTimeout on),
 * the same slackApiUrl for both clients, and an explicit retryConfig (left out, the
 * SocketModeClient writes {retries: 100} into the shared options). */
function makeApp(
  options: {
    token?: string;
    appToken?: string;
    deferInitialization?: boolean;
    logger?: Logger;
    autoReconnectEnabled?: boolean;
  } = {},
): App {
  const clientOptions = { slackApiUrl: fake.apiUrl, retryConfig };
  const receiver = new SocketModeReceiver({
    appToken: options.appToken ?? fake.appToken,
    ...(options.logger ? { logger: options.logger } : { logLevel: LogLevel.ERROR }),
    // Reconnects wait clientPingTimeout × failures (default 5 s).
    clientPingTimeout: 1000,
    autoReconnectEnabled: options.autoReconnectEnabled ?? true,
    installerOptions: { clientOptions },
  });
  const app = new App({
    token: options.token ?? fake.botToken,
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions,
    deferInitialization: options.deferInitialization ?? false,
  });
  apps.push(app);
  return app;
}

async function restartFake(options: FakeSlackOptions): Promise<void> {
  await fake.close();
  fake = await startFakeSlack(options);
}

describe("fake Slack with the real Bolt (Socket Mode)", () => {
  it("starts: auth.test with the bot token, apps.connections.open with the app token, hello", async () => {
    const app = makeApp();
    await app.start(); // resolves only once the socket said hello
    expect(fake.calls.map((c) => [c.method, c.token, c.status])).toEqual([
      ["auth.test", "bot", 200],
      ["apps.connections.open", "app", 200],
    ]);
    expect(fake.openConnections()).toHaveLength(1);

    const me = await app.client.auth.test();
    expect(me).toMatchObject({
      ok: true,
      user_id: BOT.id,
      bot_id: BOT.botId,
      team_id: "T0TETHER01",
    });
    expect(me.response_metadata?.scopes).toContain("chat:write");
  });

  it("refuses wrong tokens and the wrong kind of token, as Slack does", async () => {
    // A wrong bot token: new App() calls auth.test at once, and without deferInitialization its
    // failure is an unhandled rejection while start() still resolves. Deferred, init() throws.
    const wrong = makeApp({ token: "xoxb-not-the-right-one", deferInitialization: true });
    await expect(wrong.init()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: "invalid_auth" },
    });
    apps = apps.filter((a) => a !== wrong);
    // A wrong app token: apps.connections.open says invalid_auth and start() rejects.
    const wrongApp = makeApp({ appToken: "xapp-1-not-the-right-one", logger: silent });
    await expect(wrongApp.start()).rejects.toMatchObject({ data: { error: "invalid_auth" } });
    apps = apps.filter((a) => a !== wrongApp);

    const client = webClient();
    await expect(client.apps.connections.open()).rejects.toMatchObject({
      data: { error: "not_allowed_token_type" },
    });
    await expect(
      client.chat.postMessage({ token: fake.appToken, channel: CHANNEL.id, text: "x" }),
    ).rejects.toMatchObject({ data: { error: "not_allowed_token_type" } });
    await expect(webClient("").auth.test()).rejects.toMatchObject({
      data: { error: "not_authed" },
    });
  });

  it("posts, threads, updates with an edit history, ephemerals, deletes", async () => {
    const app = makeApp();
    await app.start();
    const parent = await app.client.chat.postMessage({
      channel: CHANNEL.id,
      text: "fix the build: running",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*fix the build*: running" } }],
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(parent.message).toMatchObject({
      user: BOT.id,
      bot_id: BOT.botId,
      app_id: "A0TETHERAPP",
    });

    const reply = await app.client.chat.postMessage({
      channel: CHANNEL.id,
      thread_ts: parent.ts!,
      text: "output 1",
      reply_broadcast: true, // recorded, not modelled
    });
    // A reply to a reply goes into the parent's thread, as on Slack.
    await app.client.chat.postMessage({
      channel: CHANNEL.id,
      thread_ts: reply.ts!,
      text: "output 2",
    });
    expect(fake.messages({ threadTs: parent.ts! }).map((m) => m.text)).toEqual([
      "fix the build: running",
      "output 1",
      "output 2",
    ]);
    expect(Number(reply.ts) > Number(parent.ts)).toBe(true);

    const updated = await app.client.chat.update({
      channel: CHANNEL.id,
      ts: parent.ts!,
      text: "fix the build: done",
    });
    expect(updated).toMatchObject({ ok: true, ts: parent.ts, text: "fix the build: done" });
    const stored = fake.message(CHANNEL.id, parent.ts!)!;
    // Blocks left out of chat.update stay; the earlier version is kept.
    expect(stored.blocks).toHaveLength(1);
    expect(stored.edits).toMatchObject([
      { text: "fix the build: running", replacedBy: "chat.update" },
    ]);
    await app.client.chat.update({ channel: CHANNEL.id, ts: parent.ts!, text: "done", blocks: [] });
    expect(fake.message(CHANNEL.id, parent.ts!)!.blocks).toBeUndefined();

    await app.client.chat.postEphemeral({
      channel: CHANNEL.id,
      user: STRANGER.id,
      thread_ts: parent.ts!,
      text: "only you can see this",
    });
    expect(fake.ephemerals).toMatchObject([
      { user: STRANGER.id, thread_ts: parent.ts, text: "only you can see this" },
    ]);

    await app.client.chat.delete({ channel: CHANNEL.id, ts: reply.ts! });
    expect(fake.messages({ threadTs: parent.ts! })).toHaveLength(2);

    const info = await app.client.conversations.info({ channel: CHANNEL.id });
    expect(info.channel).toMatchObject({ id: CHANNEL.id, is_member: true, is_archived: false });
    const user = await app.client.users.info({ user: USER.id });
    expect(user.user).toMatchObject({ name: "ada", real_name: "Ada Lovelace" });
  });

  it("answers the errors Slack answers", async () => {
    const app = makeApp();
    await app.start();
    const c = app.client;
    const error = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: { code?: string; data?: { error?: string } }) =>
          e.code === ErrorCode.PlatformError ? e.data?.error : `not a platform error: ${e.code}`,
      );
    const { ts } = await c.chat.postMessage({ channel: CHANNEL.id, text: "x" });
    const { ts: humanTs } = fake.userSays({ text: "from ada" });
    expect(await error(c.chat.postMessage({ channel: OTHER_CHANNEL.id, text: "x" }))).toBe(
      "not_in_channel",
    );
    expect(await error(c.chat.postMessage({ channel: PRIVATE_CHANNEL.id, text: "x" }))).toBe(
      "channel_not_found",
    );
    expect(await error(c.conversations.info({ channel: "C0NOSUCH000" }))).toBe("channel_not_found");
    expect(await error(c.chat.postMessage({ channel: CHANNEL.id, text: "" }))).toBe("no_text");
    expect(await error(c.chat.postMessage({ channel: CHANNEL.id, text: "x".repeat(40_001) }))).toBe(
      "msg_too_long",
    );
    expect(
      await error(c.chat.postMessage({ channel: CHANNEL.id, thread_ts: "1.000001", text: "x" })),
    ).toBe("invalid_thread_ts");
    expect(await error(c.chat.update({ channel: CHANNEL.id, ts: "1.000001", text: "x" }))).toBe(
      "message_not_found",
    );
    expect(await error(c.chat.update({ channel: CHANNEL.id, ts: humanTs, text: "x" }))).toBe(
      "cant_update_message",
    );
    expect(
      await error(c.chat.postEphemeral({ channel: CHANNEL.id, user: OUTSIDER.id, text: "x" })),
    ).toBe("user_not_in_channel");
    expect(await error(c.users.info({ user: "U0NOBODY000" }))).toBe("user_not_found");
    fake.archive(CHANNEL.id);
    expect(await error(c.chat.update({ channel: CHANNEL.id, ts: ts!, text: "y" }))).toBe(
      "is_archived",
    );
  });

  it("checks Block Kit limits and names the offending field", async () => {
    const client = webClient();
    const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
    const refused = (blocks: unknown) =>
      client.chat.postMessage({ channel: CHANNEL.id, text: "x", blocks: blocks as never }).then(
        () => undefined,
        (e: { data: Record<string, unknown> }) => e.data,
      );

    expect(await refused([section("x".repeat(3001))])).toMatchObject({
      error: "invalid_blocks",
      errors: [
        "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
      ],
      response_metadata: {
        messages: [
          "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]",
          "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ],
      },
    });
    expect(await refused(Array.from({ length: 51 }, () => ({ type: "divider" })))).toMatchObject({
      errors: ["no more than 50 items allowed [json-pointer:/blocks]"],
    });
    const buttons = (n: number, label = "Approve") =>
      Array.from({ length: n }, (_, i) => ({
        type: "button",
        action_id: `a${i}`,
        text: { type: "plain_text", text: label },
      }));
    expect(await refused([{ type: "actions", elements: buttons(26) }])).toMatchObject({
      errors: ["no more than 25 items allowed [json-pointer:/blocks/0/elements]"],
    });
    expect(
      await refused([{ type: "actions", elements: buttons(1, "x".repeat(76)) }]),
    ).toMatchObject({
      errors: ["must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"],
    });
    expect(
      await refused([{ type: "header", text: { type: "plain_text", text: "x".repeat(151) } }]),
    ).toMatchObject({
      errors: ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"],
    });
    const risky = (title: string) => [
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: "deny",
            style: "danger",
            text: { type: "plain_text", text: "Allow all" },
            confirm: {
              title: { type: "plain_text", text: title },
              text: { type: "mrkdwn", text: "Allow every Bash command?" },
              confirm: { type: "plain_text", text: "Allow" },
              deny: { type: "plain_text", text: "Cancel" },
            },
          },
        ],
      },
    ];
    expect(await refused(risky("x".repeat(101)))).toMatchObject({
      errors: [
        "must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]",
      ],
    });
    expect(await refused(risky("Sure?"))).toBeUndefined();
    expect(await refused("not json")).toMatchObject({ error: "invalid_blocks_format" });
    expect(await refused([{ type: "markdown", text: "x".repeat(12_001) }])).toMatchObject({
      error: "msg_blocks_too_long",
    });

    // At the limits it posts, and Slack fills in the ids left out.
    const ok = await client.chat.postMessage({
      channel: CHANNEL.id,
      text: "x",
      blocks: [
        section("x".repeat(3000)),
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Go" } }],
        },
      ] as never,
    });
    const [first, second] = fake.message(CHANNEL.id, ok.ts!)!.blocks!;
    expect(first!.block_id).toEqual(expect.any(String));
    expect((second!.elements as { action_id: string }[])[0]!.action_id).toEqual(expect.any(String));
  });

  it("delivers a user's thread message to app.message, escaped as Slack does; the bot's own echo is ignored", async () => {
    const app = makeApp();
    const seen: { text?: string; thread_ts?: string; user?: string }[] = [];
    app.message(async ({ message }) => {
      seen.push(message as (typeof seen)[number]);
    });
    await app.start();
    const parent = await app.client.chat.postMessage({ channel: CHANNEL.id, text: "session" });
    const { envelope } = fake.userSays({ text: "use <b> & run", threadTs: parent.ts! });
    await fake.waitForAck(envelope.envelope_id);
    await waitFor(() => seen.length === 1, { what: "the thread reply to reach app.message" });
    expect(seen[0]).toMatchObject({
      text: "use &lt;b&gt; &amp; run",
      thread_ts: parent.ts,
      user: USER.id,
      channel_type: "channel",
    });
    // Slack echoed the bot's own post as an event too; Bolt's ignoreSelf dropped it.
    const echoes = fake.envelopes.filter(
      (e) => (e.payload.event as { user?: string } | undefined)?.user === BOT.id,
    );
    expect(echoes).toHaveLength(1);
    expect(echoes[0]!.status).toBe("acked");
    expect(envelope).toMatchObject({ type: "events_api", status: "acked", late: false });
  });

  it("echoes the bot's own edits and deletes as message_changed / message_deleted, which ignoreSelf lets through", async () => {
    const app = makeApp();
    const seen: { subtype?: string; user?: string }[] = [];
    app.message(async ({ message }) => {
      seen.push(message as (typeof seen)[number]);
    });
    await app.start();
    const { ts } = await app.client.chat.postMessage({ channel: CHANNEL.id, text: "running" });
    await app.client.chat.update({ channel: CHANNEL.id, ts: ts!, text: "done" });
    await app.client.chat.delete({ channel: CHANNEL.id, ts: ts! });
    await waitFor(() => seen.length === 2, { what: "the edit and delete events" });
    // The new post was dropped by ignoreSelf (its `user` is the bot); these carry no `user`.
    expect(seen).toMatchObject([
      {
        subtype: "message_changed",
        message: { text: "done", user: BOT.id },
        previous_message: { text: "running" },
      },
      { subtype: "message_deleted", deleted_ts: ts, previous_message: { text: "done" } },
    ]);
    expect(seen.every((m) => m.user === undefined)).toBe(true);
  });

  it("delivers a button click to app.action, acked within 3 s; respond() replaces the message", async () => {
    const app = makeApp();
    const clicks: { action_id: string; value?: string; user: string }[] = [];
    app.action("approve", async ({ ack, action, body, respond }) => {
      await ack();
      clicks.push({
        action_id: (action as { action_id: string }).action_id,
        value: (action as { value?: string }).value,
        user: body.user.id,
      });
      await respond({ replace_original: true, text: "Approved by @ada" });
    });
    await app.start();
    const { ts } = await app.client.chat.postMessage({
      channel: CHANNEL.id,
      text: "Allow Bash: rm -rf build?",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "Allow *Bash*?" } },
        {
          type: "actions",
          block_id: "approval-7",
          elements: [
            {
              type: "button",
              action_id: "approve",
              value: "7:allow",
              style: "primary",
              text: { type: "plain_text", text: "Allow" },
            },
            {
              type: "button",
              action_id: "deny",
              value: "7:deny",
              text: { type: "plain_text", text: "Deny" },
            },
          ],
        },
      ],
    });
    const { envelope, responseUrl } = fake.click({ messageTs: ts!, text: "Allow" });
    expect(envelope.payload).toMatchObject({
      type: "block_actions",
      container: { type: "message", message_ts: ts, channel_id: CHANNEL.id },
      message: { ts, blocks: expect.any(Array) },
      response_url: responseUrl,
      trigger_id: expect.any(String),
      actions: [{ action_id: "approve", block_id: "approval-7", value: "7:allow", type: "button" }],
    });
    const acked = await fake.waitForAck(envelope.envelope_id);
    expect(acked.late).toBe(false);
    expect(acked.ackMs).toBeLessThan(3000);
    await waitFor(() => fake.responsePosts.length === 1, {
      what: "respond() to reach response_url",
    });
    expect(clicks).toEqual([{ action_id: "approve", value: "7:allow", user: USER.id }]);
    expect(fake.responsePosts[0]).toMatchObject({
      envelope_id: envelope.envelope_id,
      kind: "block_actions",
      status: 200,
      body: { replace_original: true, text: "Approved by @ada" },
    });
    const message = fake.message(CHANNEL.id, ts!)!;
    expect(message).toMatchObject({ text: "Approved by @ada", blocks: undefined });
    expect(message.edits).toMatchObject([{ text: "Allow Bash: rm -rf build?" }]);
    // The click's user-side view of the old buttons still works with `stale`.
    expect(() => fake.click({ messageTs: ts!, actionId: "deny" })).toThrow(/no button/);
    expect(fake.click({ messageTs: ts!, actionId: "deny", stale: true }).envelope.type).toBe(
      "interactive",
    );
  });

  it("records a late ack, and re-delivers an unacked event with retry_attempt and timeout", async () => {
    // No echo of the bot's post: its ack could be late too on a busy machine.
    await restartFake({
      ackDeadlineMs: 200,
      eventRetryDelaysMs: [0],
      echoBotMessages: false,
      disconnectGraceMs: 100,
    });
    const app = makeApp();
    app.action("slow", async ({ ack }) => {
      // Slow work before the ack: Slack would show the user an error.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await ack();
    });
    await app.start();
    const { ts } = await app.client.chat.postMessage({
      channel: CHANNEL.id,
      text: "x",
      blocks: [
        {
          type: "actions",
          elements: [
            { type: "button", action_id: "slow", text: { type: "plain_text", text: "Go" } },
          ],
        },
      ],
    });
    const { envelope } = fake.click({ messageTs: ts!, actionId: "slow" });
    const acked = await fake.waitForAck(envelope.envelope_id);
    expect(acked).toMatchObject({ late: true, status: "expired" });
    expect(acked.ackMs).toBeGreaterThanOrEqual(200);
    expect(fake.lateAcks().map((e) => e.envelope_id)).toEqual([envelope.envelope_id]);

    // Bolt acks events at once, so a raw socket plays an app that does not.
    await stopApp(app);
    apps = [];
    const open = await webClient(fake.appToken).apps.connections.open();
    const socket = new WebSocket(open.url!);
    const frames: {
      type: string;
      envelope_id?: string;
      retry_attempt?: number;
      retry_reason?: string;
      payload?: { event_id?: string };
    }[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(data.toString())));
    await waitFor(() => frames.some((f) => f.type === "hello"), { what: "hello" });
    fake.userSays({ text: "are you there?" });
    const [first, retry] = await waitFor(
      () => {
        const events = frames.filter(
          (f) => f.type === "events_api" && JSON.stringify(f.payload).includes("are you there?"),
        );
        return events.length >= 2 ? events : undefined;
      },
      { what: "the event and its re-delivery" },
    );
    expect(first).toMatchObject({ retry_attempt: 0, retry_reason: "" });
    expect(retry).toMatchObject({ retry_attempt: 1, retry_reason: "timeout" });
    expect(retry!.envelope_id).not.toBe(first!.envelope_id);
    expect(retry!.payload!.event_id).toBe(first!.payload!.event_id);
    socket.send(JSON.stringify({ envelope_id: retry!.envelope_id }));
    await fake.waitForAck(retry!.envelope_id!);

    // A client that ignores `disconnect` gets closed by Slack's side.
    const closed = new Promise<number>((resolve) => socket.on("close", resolve));
    fake.disconnect("refresh_requested");
    expect(await closed).toBe(1001);
    expect(fake.connections.at(-1)).toMatchObject({ closedBy: "fake" });
    expect(frames.at(-1)).toMatchObject({ type: "disconnect", reason: "refresh_requested" });
  });

  it("delivers a slash command with its form fields; the ack's payload and respond() reach the user", async () => {
    const app = makeApp();
    app.command("/tether", async ({ ack, command, respond }) => {
      await ack({ response_type: "ephemeral", text: `sessions for ${command.user_name}` });
      await respond({ response_type: "in_channel", text: "2 sessions running" });
    });
    await app.start();
    const { envelope, responseUrl } = fake.slashCommand({ text: "sessions", user: USER.id });
    expect(envelope.payload).toMatchObject({
      command: "/tether",
      text: "sessions",
      user_id: USER.id,
      user_name: "ada",
      channel_id: CHANNEL.id,
      team_id: "T0TETHER01",
      response_url: responseUrl,
      trigger_id: expect.any(String),
    });
    const acked = await fake.waitForAck(envelope.envelope_id);
    expect(acked.ackPayload).toEqual({ response_type: "ephemeral", text: "sessions for ada" });
    await fake.waitForMessage((m) => m.text === "2 sessions running");
    expect(fake.ephemerals).toMatchObject([
      { user: USER.id, text: "sessions for ada", via: "ack" },
    ]);
    expect(fake.responsePosts).toMatchObject([{ kind: "slash_command", status: 200 }]);

    // A response_url takes 5 posts (within 30 minutes), then answers as a used webhook.
    const post = () =>
      fetch(responseUrl, { method: "POST", body: JSON.stringify({ text: "more" }) }).then(
        async (r) => `${r.status} ${await r.text()}`,
      );
    for (let i = 0; i < 4; i++) expect(await post()).toBe('200 {"ok":true}');
    expect(await post()).toBe("404 used_url");
  });

  it("honours 429 + Retry-After, then succeeds", async () => {
    const app = makeApp();
    await app.start();
    const limited: number[] = [];
    app.client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    fake.inject("chat.postMessage", rateLimited(1));
    const started = Date.now();
    const sent = await app.client.chat.postMessage({
      channel: CHANNEL.id,
      text: "after the limit",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sent.ok).toBe(true);
    expect(limited).toEqual([1]);
    expect(fake.callsOf("chat.postMessage").map((c) => [c.status, c.error])).toEqual([
      [429, "ratelimited"],
      [200, undefined],
    ]);
    expect(fake.messages().map((m) => m.text)).toEqual(["after the limit"]);
  });

  it("retries 5xx per retryConfig, then gives up with an HTTP error", async () => {
    const client = webClient();
    fake.inject("chat.postMessage", serverError(500, 2));
    await client.chat.postMessage({ channel: CHANNEL.id, text: "third time lucky" });
    expect(fake.callsOf("chat.postMessage").map((c) => c.status)).toEqual([500, 500, 200]);

    fake.inject("chat.update", serverError(503, 3));
    await expect(
      client.chat.update({ channel: CHANNEL.id, ts: "1.1", text: "x" }),
    ).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    expect(fake.callsOf("chat.update")).toHaveLength(3);
  });

  it("surfaces ok:false as platform errors with Slack's fields, not retried", async () => {
    const client = webClient();
    fake.inject("chat.postMessage", missingScope("chat:write"));
    await expect(client.chat.postMessage({ channel: CHANNEL.id, text: "x" })).rejects.toMatchObject(
      {
        code: ErrorCode.PlatformError,
        data: {
          error: "missing_scope",
          needed: "chat:write",
          provided: expect.stringContaining("users:read"),
        },
      },
    );
    fake.inject("chat.postMessage", slackError("not_in_channel"));
    await expect(client.chat.postMessage({ channel: CHANNEL.id, text: "x" })).rejects.toMatchObject(
      {
        data: { error: "not_in_channel" },
      },
    );
    expect(fake.callsOf("chat.postMessage")).toHaveLength(2);

    // Without the scope for real: the same answer, from the method's own needs.
    fake.setScopes(["chat:write"]);
    await expect(client.users.info({ user: USER.id })).rejects.toMatchObject({
      data: { error: "missing_scope", needed: "users:read", provided: "chat:write" },
    });
    fake.setBotMember(CHANNEL.id, false);
    await expect(client.chat.postMessage({ channel: CHANNEL.id, text: "x" })).rejects.toMatchObject(
      {
        data: { error: "not_in_channel" },
      },
    );
  });

  it("goes down and comes back: calls fail as request errors meanwhile", async () => {
    const client = webClient();
    await fake.down();
    await expect(client.chat.postMessage({ channel: CHANNEL.id, text: "x" })).rejects.toMatchObject(
      { code: ErrorCode.RequestError },
    );
    await fake.up();
    await client.chat.postMessage({ channel: CHANNEL.id, text: "back" });
    expect(fake.messages().map((m) => m.text)).toEqual(["back"]);
  });

  it("reconnects after disconnect (refresh_requested, link_disabled) and a dropped socket, losing no event", async () => {
    // Slack's own close after a disconnect stays out of the way: the client closes first.
    await restartFake({ disconnectGraceMs: 10_000 });
    const app = makeApp();
    const seen: string[] = [];
    app.message(async ({ message }) => {
      seen.push((message as { text?: string }).text ?? "");
    });
    await app.start();
    fake.disconnect("refresh_requested");
    await fake.waitForConnections(2);
    expect(fake.connections[0]).toMatchObject({ closedBy: "client" });
    expect(fake.callsOf("apps.connections.open")).toHaveLength(2);

    fake.disconnect("link_disabled");
    await fake.waitForConnections(3);

    fake.dropConnections();
    // Sent while no socket is open: Slack holds the event until the app is back.
    const { envelope } = fake.userSays({ text: "while you were away" });
    expect(envelope.status).toBe("queued");
    await fake.waitForConnections(4);
    await fake.waitForAck(envelope.envelope_id);
    await waitFor(() => seen.includes("while you were away"), { what: "the held event" });
    expect(fake.connections.map((c) => c.closedBy)).toEqual([
      "client",
      "client",
      "fake",
      undefined,
    ]);
  });

  it("survives an outage during a reconnect when the app reconnects itself", async () => {
    // With autoReconnectEnabled (the default), socket-mode 2.0.7 treats a network error of
    // apps.connections.open as unrecoverable: the reconnect's promise rejects unhandled (a plain
    // Node process exits with code 1) and it never tries again. So the bridge reconnects itself.
    const app = makeApp({ autoReconnectEnabled: false, logger: silent });
    const client = socketClient(app);
    const failures: string[] = [];
    let stopping = false;
    const reconnect = async () => {
      while (!stopping) {
        try {
          await client.start();
          return;
        } catch (error) {
          failures.push((error as { code?: string }).code ?? String(error));
          await new Promise((resolve) => setTimeout(resolve, 100)); // the bridge's backoff
        }
      }
    };
    client.on("disconnected", () => {
      if (!stopping) void reconnect();
    });
    const seen: string[] = [];
    app.message(async ({ message }) => {
      seen.push((message as { text?: string }).text ?? "");
    });
    await app.start();
    try {
      await fake.down(); // the socket drops and apps.connections.open is refused
      await waitFor(() => failures.length >= 2, { what: "reconnects to fail during the outage" });
      expect(failures[0]).toBe(ErrorCode.RequestError);
      await fake.up();
      await fake.waitForConnections(2);
      fake.userSays({ text: "back again" });
      await waitFor(() => seen.includes("back again"), { what: "an event after the outage" });
    } finally {
      stopping = true; // before afterEach disconnects it
    }
  });

  it("uploads a file the way filesUploadV2 does, into a thread", async () => {
    const app = makeApp();
    await app.start();
    const { ts } = await app.client.chat.postMessage({ channel: CHANNEL.id, text: "session" });
    const bytes = Buffer.from("line 1\nline 2\n".repeat(1000));
    const result = await app.client.filesUploadV2({
      channel_id: CHANNEL.id,
      thread_ts: ts!,
      file: bytes,
      filename: "output.txt",
      title: "Full output",
      initial_comment: "The output was long",
    });
    expect(result.ok).toBe(true);
    expect(fake.calls.map((c) => c.method).filter((m) => m.startsWith("files."))).toEqual([
      "files.getUploadURLExternal",
      "files.completeUploadExternal",
    ]);
    expect(fake.files).toHaveLength(1);
    const [file] = fake.files;
    expect(file).toMatchObject({
      filename: "output.txt",
      title: "Full output",
      length: bytes.length,
      shared: { channel_id: CHANNEL.id, thread_ts: ts, initial_comment: "The output was long" },
    });
    expect(file!.bytes!.equals(bytes)).toBe(true);
    const [, shared] = fake.messages({ threadTs: ts! });
    expect(shared).toMatchObject({
      text: "The output was long",
      files: [{ id: file!.id, name: "output.txt", title: "Full output" }],
    });
  });

  it("stops cleanly: the client closes its socket, and no timer or socket is left behind", async () => {
    const count = (kind: string) =>
      process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const timersBefore = count("Timeout");
    const socketsBefore = count("TCPSocketWrap");
    const app = makeApp();
    await app.start();
    await app.client.chat.postMessage({ channel: CHANNEL.id, text: "bye" });
    await stopApp(app);
    apps = [];
    // The close handshake ends on the fake's side a moment after the client's disconnect.
    await waitFor(() => fake.openConnections().length === 0, { what: "the socket to close" });
    expect(fake.connections).toMatchObject([{ closedBy: "client" }]);
    // With the fake still up, a client that is still running keeps its ping interval.
    await waitFor(() => count("Timeout") <= timersBefore, {
      what: () => `the app's timers to go: ${process.getActiveResourcesInfo().join(", ")}`,
    });
    const calls = fake.calls.length;
    await fake.close();
    // Bolt's HTTP clients keep idle sockets alive; they go with the server.
    await waitFor(() => count("TCPSocketWrap") <= socketsBefore, {
      what: () => `sockets to close: ${process.getActiveResourcesInfo().join(", ")}`,
    });
    expect(fake.calls.length).toBe(calls);
  });
});
