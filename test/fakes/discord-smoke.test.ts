// Proves the real @discordjs/core + rest + ws work against the fake Discord: connect and READY,
// threads, edits, a button click acknowledged within the 3 s and its @original edited, a late
// and a double ack, a slash command answered ephemerally, 429 waited out, 5xx retried, a bad
// token, RECONNECT → RESUMED, a dropped socket resumed, and a clean destroy. Each test is also a
// recipe for the bridge's own tests.
import {
  type APIInteraction,
  Client,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayMessageCreateDispatchData,
} from "@discordjs/core";
import { DiscordAPIError, REST } from "@discordjs/rest";
import { type SessionInfo, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";
import {
  APPLICATION_ID,
  BOT,
  CHANNEL,
  discord429,
  type FakeDiscord,
  type FakeDiscordOptions,
  GUILD,
  INTENTS,
  STRANGER,
  serverError,
  startFakeDiscord,
  USER,
} from "./discord.js";

const INTENT_BITS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

interface Bot {
  rest: REST;
  gateway: WebSocketManager;
  client: Client;
  messages: GatewayMessageCreateDispatchData[];
  interactions: APIInteraction[];
  dispatches: string[];
  errors: Error[];
}

let fake: FakeDiscord | undefined;
let bots: Bot[] = [];

afterEach(async () => {
  for (const bot of bots) await bot.gateway.destroy();
  bots = [];
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  fake = await startFakeDiscord({ heartbeatIntervalMs: 1000, ...options });
  return fake;
}

/** As the bridge will build it: REST at the fake, its own session store (the default one is
 * process-global), a gateway URL that only /gateway/bot gives. */
function makeBot(f: FakeDiscord, token = f.token, intents = INTENT_BITS): Bot {
  const rest = new REST({ api: f.apiUrl, version: "10", retries: 2, timeout: 5000 }).setToken(
    token,
  );
  const sessions = new Map<number, SessionInfo>();
  const gateway = new WebSocketManager({
    token,
    rest,
    intents,
    retrieveSessionInfo: (id) => sessions.get(id) ?? null,
    updateSessionInfo: (id, info) => {
      if (info) sessions.set(id, info);
      else sessions.delete(id);
    },
  });
  const client = new Client({ rest, gateway });
  const bot: Bot = {
    rest,
    gateway,
    client,
    messages: [],
    interactions: [],
    dispatches: [],
    errors: [],
  };
  gateway.on(WebSocketShardEvents.Dispatch, (d) => bot.dispatches.push(d.t));
  gateway.on(WebSocketShardEvents.Error, (e) => bot.errors.push(e));
  client.on(GatewayDispatchEvents.MessageCreate, ({ data }) => bot.messages.push(data));
  client.on(GatewayDispatchEvents.InteractionCreate, ({ data }) => bot.interactions.push(data));
  bots.push(bot);
  return bot;
}

async function connected(f: FakeDiscord): Promise<Bot> {
  const bot = makeBot(f);
  await bot.gateway.connect();
  await waitFor(() => bot.dispatches.includes("GUILD_CREATE"), { what: "GUILD_CREATE" });
  return bot;
}

describe("fake Discord with the real @discordjs libraries", () => {
  it("connects: /gateway/bot, HELLO, IDENTIFY with the intents, READY, GUILD_CREATE with channels", async () => {
    const f = await start();
    const bot = makeBot(f);
    let ready: { session_id: string; resume_gateway_url: string; user: { id: string } } | undefined;
    let guild: { channels?: { id: string }[] } | undefined;
    bot.client.once(GatewayDispatchEvents.Ready, ({ data }) => {
      ready = data;
    });
    bot.client.once(GatewayDispatchEvents.GuildCreate, ({ data }) => {
      guild = data;
    });
    await bot.gateway.connect();
    await waitFor(() => ready && guild, { what: "READY and GUILD_CREATE" });
    expect(ready?.user.id).toBe(BOT.id);
    expect(ready?.resume_gateway_url.startsWith(f.url.replace("http", "ws"))).toBe(true);
    expect(guild?.channels?.map((c) => c.id)).toContain(CHANNEL.id);
    const connection = f.connections[0]!;
    expect(connection.query).toMatchObject({ v: "10", encoding: "json" });
    expect(connection.identified?.intents).toBe(INTENT_BITS);
    expect(f.callsOf("GET /gateway/bot")[0]?.auth).toBe("bot");
    expect((await bot.client.api.users.getCurrent()).username).toBe("tether");
  });

  it("posts a starter message, opens a thread on it, posts and edits in the thread", async () => {
    const f = await start();
    const bot = await connected(f);
    const api = bot.client.api;
    const starter = await api.channels.createMessage(CHANNEL.id, {
      content: "**session** fix-bug",
    });
    const thread = await api.channels.createThread(CHANNEL.id, { name: "fix-bug" }, starter.id);
    expect(thread.id).toBe(starter.id);
    expect(thread.type).toBe(11);
    const posted = await api.channels.createMessage(thread.id, { content: "working…" });
    await api.channels.editMessage(thread.id, posted.id, { content: "done" });
    await api.channels.edit(thread.id, { name: "fix-bug (done)" });
    expect(f.messages(thread.id).map((m) => m.content)).toEqual(["done"]);
    expect(f.message(posted.id)?.edits.map((e) => e.content)).toEqual(["working…"]);
    expect(f.thread(thread.id)).toMatchObject({ name: "fix-bug (done)", renames: ["fix-bug"] });
    // the bot sees its own posts come back, as on Discord
    await waitFor(() => bot.messages.find((m) => m.id === posted.id), { what: "the echo" });

    const tooLong = await api.channels
      .createMessage(thread.id, { content: "x".repeat(2001) })
      .catch((e) => e);
    expect(tooLong).toBeInstanceOf(DiscordAPIError);
    expect(tooLong).toMatchObject({ code: 50035, status: 400 });
    expect(JSON.stringify((tooLong as DiscordAPIError).rawError)).toContain(
      "Must be 2000 or fewer in length.",
    );
    await expect(api.channels.createMessage(thread.id, { content: "" })).rejects.toMatchObject({
      code: 50006,
    });
    await expect(api.channels.createMessage("1", { content: "x" })).rejects.toMatchObject({
      code: 10003,
      status: 404,
    });
    const buttons = (n: number, id = (i: number) => `b${i}`) => [
      {
        type: 1,
        components: Array.from({ length: n }, (_, i) => ({
          type: 2,
          style: 1,
          label: "go",
          custom_id: id(i),
        })),
      },
    ];
    await expect(
      api.channels.createMessage(thread.id, { content: "x", components: buttons(6) as never }),
    ).rejects.toMatchObject({ code: 50035 });
    await expect(
      api.channels.createMessage(thread.id, {
        content: "x",
        components: buttons(1, () => "x".repeat(101)) as never,
      }),
    ).rejects.toMatchObject({ code: 50035 });

    // a file goes as multipart with payload_json
    await api.channels.createMessage(thread.id, {
      content: "full output",
      files: [{ name: "output.txt", data: Buffer.from("line 1\nline 2\n") }],
    });
    const withFile = f.messages(thread.id).at(-1)!;
    expect(withFile.content).toBe("full output");
    expect(withFile.files[0]?.filename).toBe("output.txt");
    expect(withFile.files[0]?.bytes.toString()).toBe("line 1\nline 2\n");

    f.setPermissions({ sendMessagesInThreads: false });
    await expect(api.channels.createMessage(thread.id, { content: "x" })).rejects.toMatchObject({
      code: 50013,
      status: 403,
    });
  });

  it("delivers MESSAGE_CREATE from a person; content is empty without MessageContent unless the bot is mentioned", async () => {
    const f = await start();
    const bot = await connected(f);
    f.userSays({ content: "hello" });
    await waitFor(() => bot.messages.find((m) => m.content === "hello"), { what: "hello" });
    const blind = makeBot(f, f.token, GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages);
    await blind.gateway.connect();
    await waitFor(() => blind.dispatches.includes("GUILD_CREATE"), { what: "GUILD_CREATE" });
    const plain = f.userSays({ content: "secret" });
    const mention = f.userSays({ content: "look", mentionsBot: true });
    await waitFor(() => blind.messages.some((m) => m.id === mention.id), { what: "the mention" });
    expect(blind.messages.find((m) => m.id === plain.id)?.content).toBe("");
    expect(blind.messages.find((m) => m.id === mention.id)?.content).toBe(`<@${BOT.id}> look`);
    expect(bot.messages.find((m) => m.id === plain.id)?.content).toBe("secret");
  });

  it("a button click: deferred update (type 6) within 3 s, then @original edited, buttons removed", async () => {
    const f = await start();
    const bot = await connected(f);
    const api = bot.client.api;
    const approval = await api.channels.createMessage(CHANNEL.id, {
      content: "Allow `rm -rf build`?",
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 3, label: "Approve", custom_id: "appr:42:yes" },
            { type: 2, style: 4, label: "Deny", custom_id: "appr:42:no" },
          ],
        },
      ],
    });
    const click = f.clickButton({ messageId: approval.id, label: "Approve", user: USER });
    const interaction = await waitFor(() => bot.interactions.find((i) => i.id === click.id), {
      what: "INTERACTION_CREATE",
    });
    expect(interaction.type).toBe(3);
    expect(interaction.data).toMatchObject({ custom_id: "appr:42:yes", component_type: 2 });
    expect(interaction.member?.user.id).toBe(USER.id);
    await api.interactions.deferMessageUpdate(interaction.id, interaction.token);
    await api.interactions.editReply(APPLICATION_ID, interaction.token, {
      content: "Approved by ada",
      components: [],
    });
    const done = f.interaction(click.id)!;
    expect(done.ack).toMatchObject({ type: 6, status: 204 });
    expect(done.ack!.ms).toBeLessThan(3000);
    expect(f.message(approval.id)).toMatchObject({ content: "Approved by ada", components: [] });
    expect(f.message(approval.id)?.edits[0]?.content).toBe("Allow `rm -rf build`?");
    // neither call carried the bot token
    expect(
      f.calls
        .filter((c) => c.path.startsWith("/interactions") || c.path.startsWith("/webhooks"))
        .map((c) => c.auth),
    ).toEqual(["none", "none"]);
  });

  it("a late ack gets 10062 Unknown interaction; a concurrent double ack gets 40060", async () => {
    const f = await start({ interactionDeadlineMs: 50 });
    const bot = await connected(f);
    const api = bot.client.api;
    const m = await api.channels.createMessage(CHANNEL.id, {
      content: "?",
      components: [
        { type: 1, components: [{ type: 2, style: 1, label: "Approve", custom_id: "a:1" }] },
      ],
    });
    const late = f.clickButton({ messageId: m.id, customId: "a:1" });
    await waitFor(() => Date.now() - late.createdAt > 60, { what: "the deadline to pass" });
    await expect(api.interactions.deferMessageUpdate(late.id, late.token)).rejects.toMatchObject({
      code: 10062,
      status: 404,
    });

    f.clickButton({ messageId: m.id, customId: "a:1", user: STRANGER });
    const second = f.interactions.at(-1)!;
    const both = await Promise.allSettled([
      api.interactions.deferMessageUpdate(second.id, second.token),
      api.interactions.deferMessageUpdate(second.id, second.token),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 40060, status: 400 });
    expect(second.callbacks.map((c) => c.status).sort()).toEqual([204, 400]);
  });

  it("registers guild slash commands; a /tether command is answered ephemerally", async () => {
    const f = await start();
    const bot = await connected(f);
    const api = bot.client.api;
    await api.applicationCommands.bulkOverwriteGuildCommands(APPLICATION_ID, GUILD.id, [
      {
        name: "tether",
        description: "Tether sessions",
        options: [{ type: 1, name: "sessions", description: "List sessions" }],
      },
    ]);
    expect(f.commands().map((c) => c.name)).toEqual(["tether"]);
    const run = f.slashCommand({
      name: "tether",
      options: [{ type: 1, name: "sessions", options: [] }],
    });
    const interaction = await waitFor(() => bot.interactions.find((i) => i.id === run.id), {
      what: "the command",
    });
    expect(interaction.type).toBe(2);
    expect(interaction.data).toMatchObject({ name: "tether", options: [{ name: "sessions" }] });
    await api.interactions.reply(interaction.id, interaction.token, {
      content: "No sessions",
      flags: 64,
    });
    await api.interactions.followUp(APPLICATION_ID, interaction.token, {
      content: "still none",
      flags: 64,
    });
    expect(f.ephemerals.map((e) => [e.content, e.user, e.via])).toEqual([
      ["No sessions", USER.id, "callback"],
      ["still none", USER.id, "followup"],
    ]);
    expect(f.messages(CHANNEL.id).some((m) => m.content === "No sessions")).toBe(false);
  });

  it("waits out a 429 (Retry-After) and retries a 5xx; both arrive once", async () => {
    const f = await start();
    const api = makeBot(f).client.api;
    f.inject("POST /channels/:id/messages", discord429(1));
    const t0 = Date.now();
    await api.channels.createMessage(CHANNEL.id, { content: "after 429" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    f.inject("POST /channels/:id/messages", serverError(502, 2));
    await api.channels.createMessage(CHANNEL.id, { content: "after 5xx" });
    expect(f.messages().map((m) => m.content)).toEqual(["after 429", "after 5xx"]);
    expect(f.callsOf("POST /channels/:id/messages").map((c) => c.status)).toEqual([
      429, 200, 502, 502, 200,
    ]);
    f.inject("POST /channels/:id/messages", serverError(500, 3));
    await expect(api.channels.createMessage(CHANNEL.id, { content: "lost" })).rejects.toMatchObject(
      { status: 500 },
    );
  });

  it("a bad token: REST 401 {code:0}, gateway close 4004", async () => {
    const f = await start();
    const bot = makeBot(f, "not-the-token");
    await expect(bot.client.api.users.getCurrent()).rejects.toMatchObject({ status: 401, code: 0 });
    const rest = new REST({ api: f.apiUrl, version: "10", retries: 0 }).setToken("not-the-token");
    // the gateway URL is fetched with the bot token too; give this manager a good REST
    const store = new Map<number, SessionInfo>();
    const gateway = new WebSocketManager({
      token: "not-the-token",
      rest: new REST({ api: f.apiUrl, version: "10" }).setToken(f.token),
      intents: INTENT_BITS,
      // a real store, never no-ops (shared/research/bridges.md §3)
      retrieveSessionInfo: (id) => store.get(id) ?? null,
      updateSessionInfo: (id, info) => {
        if (info) store.set(id, info);
        else store.delete(id);
      },
    });
    const errors: Error[] = [];
    gateway.on(WebSocketShardEvents.Error, (e) => errors.push(e));
    bots.push({
      rest,
      gateway,
      client: new Client({ rest, gateway }),
      messages: [],
      interactions: [],
      dispatches: [],
      errors,
    });
    gateway.connect().catch(() => undefined);
    await waitFor(() => f.connections.find((c) => c.closeCode === 4004), { what: "close 4004" });
    await waitFor(() => errors.find((e) => e.message === "Authentication failed"), {
      what: "the error",
    });
  });

  it("disallowed privileged intents close 4014", async () => {
    const f = await start({ allowedPrivilegedIntents: 0 });
    const bot = makeBot(f);
    bot.gateway.connect().catch(() => undefined);
    await waitFor(() => f.connections.find((c) => c.closeCode === 4014), { what: "close 4014" });
    await waitFor(() => bot.errors.find((e) => e.message === "Used disallowed intents"), {
      what: "the error",
    });
    expect(INTENTS.MessageContent & INTENT_BITS).not.toBe(0);
  });

  it("RECONNECT → RESUME on resume_gateway_url → RESUMED", async () => {
    const f = await start();
    const bot = await connected(f);
    f.reconnect();
    const resumed = await f.waitForResume();
    expect(resumed.via).toBe("resume");
    await waitFor(() => bot.dispatches.includes("RESUMED"), { what: "RESUMED" });
    f.userSays({ content: "after resume" });
    await waitFor(() => bot.messages.find((m) => m.content === "after resume"), {
      what: "the message",
    });
    expect(f.connections.filter((c) => c.identified)).toHaveLength(1);
  });

  it("a dropped socket: the client resumes and gets what was sent meanwhile", async () => {
    const f = await start();
    const bot = await connected(f);
    f.dropGateway();
    f.userSays({ content: "while away" });
    await f.waitForResume();
    await waitFor(() => bot.messages.find((m) => m.content === "while away"), {
      what: "the missed message",
    });
    expect(bot.messages.filter((m) => m.content === "while away")).toHaveLength(1);
  });

  it("INVALID_SESSION (not resumable) → a fresh IDENTIFY", async () => {
    const f = await start();
    const bot = await connected(f);
    f.invalidSession(false);
    await f.waitForReady(2);
    await waitFor(() => bot.dispatches.filter((t) => t === "READY").length === 2, {
      what: "a second READY",
      timeoutMs: 15_000,
    });
  }, 20_000);

  it("a clean destroy leaves no socket open and ends the session", async () => {
    const f = await start();
    const bot = await connected(f);
    await bot.gateway.destroy();
    bots = bots.filter((b) => b !== bot);
    await waitFor(() => f.openConnections().length === 0, { what: "no open socket" });
    expect(f.connections[0]?.closeCode).toBe(1000);
    expect([...new Set(f.connections.map((c) => c.closedBy))]).toEqual(["client"]);
  });
});
