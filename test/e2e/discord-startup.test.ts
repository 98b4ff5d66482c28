// Start-up of the Discord bridge in the real daemon against the fake Discord: whatever is wrong
// with its set-up (a token Discord refuses at REST or at the gateway, an unknown channel, one the
// bot cannot see, one that is not a server text channel, the Message Content intent switched
// off, a setting left out), the daemon starts anyway and /api/health shows the discord bridge
// not connected, with one line that names what to fix and never the token. What can be fixed in
// Discord (a permission) makes the bridge go live without a restart.
import { afterEach, expect, it } from "vitest";
import { BOT_TOKEN, type FakeDiscord, OTHER_CHANNEL } from "../fakes/discord.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import {
  bridgesHealth,
  CHANNEL,
  createDiscordSession,
  DAEMON_TOKEN,
  DELIVERY_MS,
  discordEnv,
  postOutputs,
  useDiscord,
  waitForThreadText,
} from "../helpers/discord.js";
import { waitFor } from "../helpers/wait.js";

const discord = useDiscord();

/** Daemons started here without waiting for the gateway (the rig's daemon() waits for READY). */
const started: TestDaemon[] = [];
afterEach(async () => {
  for (const d of started.splice(0)) await d.close();
});

async function daemonWith(fake: FakeDiscord, env: Record<string, string> = {}) {
  const d = await startTestDaemon({ token: DAEMON_TOKEN, env: discordEnv(fake, env) });
  started.push(d);
  return d;
}

type Health = Awaited<ReturnType<typeof bridgesHealth>>[number];

async function discordHealth(d: TestDaemon): Promise<Health | undefined> {
  return (await bridgesHealth(d)).find((b) => b.name === "discord");
}

/** The discord bridge's health once it has said why it is not connected. */
async function notConnected(d: TestDaemon, naming?: string): Promise<Health> {
  let last: Health | undefined;
  return waitFor(
    async () => {
      last = await discordHealth(d);
      const down = last && last.state !== "connected" && last.state !== "starting";
      return down && last!.last_error && (!naming || last!.last_error.includes(naming))
        ? last
        : undefined;
    },
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 50,
      what: () => `the discord bridge to say why it is down; health: ${JSON.stringify(last)}`,
    },
  );
}

async function connected(d: TestDaemon): Promise<Health> {
  let last: Health | undefined;
  return waitFor(
    async () => {
      last = await discordHealth(d);
      return last?.state === "connected" ? last : undefined;
    },
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 50,
      what: () => `the discord bridge connected; health: ${JSON.stringify(last)}`,
    },
  );
}

/** One line, naming each of `what`, without the token (nor a piece of it). */
function expectOneClearLine(h: Health, ...what: string[]) {
  const line = h.last_error ?? "";
  expect(line.split("\n"), line).toHaveLength(1);
  for (const w of what) expect(line).toContain(w);
  for (const part of BOT_TOKEN.split(".")) expect(line).not.toContain(part);
}

/** The daemon answers its App API while its Discord bridge is down. */
async function daemonWorks(d: TestDaemon) {
  const res = await d.api("GET", "/api/sessions");
  expect(res.status, res.text).toBe(200);
}

it("is connected in /api/health once the token and the channel check out", async () => {
  await discord.fake();
  const d = await discord.daemon();
  expect(await connected(d)).toEqual({
    name: "discord",
    state: "connected",
    since: expect.any(String),
    last_error: null,
    backlog: 0,
  });
});

it("a token Discord refuses (401): the daemon starts, health names DISCORD_BOT_TOKEN, no token", async () => {
  const fake = await discord.fake();
  const wrong = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.Gwrong.a-token-discord-does-not-know-xyz";
  const d = await daemonWith(fake, { DISCORD_BOT_TOKEN: wrong });
  await daemonWorks(d);
  const h = await notConnected(d);
  expectOneClearLine(h, "DISCORD_BOT_TOKEN", "401");
  for (const part of wrong.split(".")) expect(h.last_error).not.toContain(part);
  // It never got as far as the gateway.
  expect(fake.connections).toEqual([]);
});

it("a token the gateway refuses (4004): health names DISCORD_BOT_TOKEN, no token", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  await connected(d);
  fake.closeGateway(4004, "Authentication failed.");
  const h = await notConnected(d, "4004");
  expectOneClearLine(h, "DISCORD_BOT_TOKEN", "4004");
  await daemonWorks(d);
});

it("an unknown channel (10003): health names DISCORD_CHANNEL_ID and the id", async () => {
  const fake = await discord.fake();
  const d = await daemonWith(fake, { DISCORD_CHANNEL_ID: "1399999999999999999" });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), "DISCORD_CHANNEL_ID", "1399999999999999999");
  expect(fake.callsOf("GET /channels/:id").at(-1)?.code).toBe(10003);
  expect(fake.callsOf("POST /channels/:id/messages")).toEqual([]);
});

it("a channel the bot cannot see (50001): health says View Channel, and once given the bridge goes live without a restart", async () => {
  const fake = await discord.fake();
  fake.setPermissions({ viewChannel: false });
  const d = await daemonWith(fake);
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), "DISCORD_CHANNEL_ID", "View Channel");
  expect(fake.callsOf("GET /channels/:id").at(-1)?.code).toBe(50001);
  // A session that starts meanwhile: created, without a thread yet, and why.
  const early = await d.api("POST", "/external/sessions", {
    session_name: "before the permission",
    platform: "discord",
  });
  expect(early.status, early.text).toBe(200);
  expect(early.body.thread_info).toBeNull();
  expect(early.body.thread_error).toContain("View Channel");
  await postOutputs(d, early.body.session_id, ["early-001 waited"]);

  const readyBefore = fake.connections.length;
  fake.setPermissions({ viewChannel: true });
  await connected(d);
  await fake.waitForReady(readyBefore + 1);
  const session = await createDiscordSession(d, "after the permission");
  await postOutputs(d, session.id, ["granted-001 ok"]);
  await waitForThreadText(fake, session.threadId, "granted-001");
  // The session from before got its thread, with what it said meanwhile.
  const starter = await fake.waitForMessage(
    (m) => m.content.includes("before the permission"),
    CHANNEL.id,
  );
  await waitForThreadText(fake, starter.id, "early-001");
});

it("a channel that is not a server text channel: health names DISCORD_CHANNEL_ID", async () => {
  const fake = await discord.fake();
  // A thread is a channel too, but not one threads can be opened in.
  const headers = { authorization: `Bot ${fake.token}`, "content-type": "application/json" };
  const post = await fetch(`${fake.apiUrl}/v10/channels/${OTHER_CHANNEL.id}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({ content: "a starter" }),
  });
  const starter = (await post.json()) as { id: string };
  const made = await fetch(
    `${fake.apiUrl}/v10/channels/${OTHER_CHANNEL.id}/messages/${starter.id}/threads`,
    { method: "POST", headers, body: JSON.stringify({ name: "a thread" }) },
  );
  expect(made.ok, await made.text()).toBe(true);
  const d = await daemonWith(fake, { DISCORD_CHANNEL_ID: starter.id });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), "DISCORD_CHANNEL_ID", starter.id, "text channel");
});

it("the Message Content intent switched off (4014): health says where to switch it on", async () => {
  const fake = await discord.fake({ allowedPrivilegedIntents: 0 });
  const d = await daemonWith(fake);
  await daemonWorks(d);
  const h = await notConnected(d, "4014");
  expectOneClearLine(h, "Message Content", "Developer Portal");
  expect(fake.openConnections()).toEqual([]);
});

it("DISCORD_CHANNEL_ID left out: one line naming it, the daemon runs on", async () => {
  const fake = await discord.fake();
  const d = await daemonWith(fake, { DISCORD_CHANNEL_ID: "" });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), "DISCORD_CHANNEL_ID");
  expect(fake.calls).toEqual([]);
});
