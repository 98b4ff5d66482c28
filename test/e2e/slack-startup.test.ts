// Start-up of the Slack bridge in the real daemon against the fake Slack: whatever is wrong with
// its set-up (a token Slack refuses, the bot not in the channel, an archived or unknown channel,
// a missing scope, a setting left out), the daemon starts anyway and /api/health shows the slack
// bridge not connected, with one line that names what to fix and never a token. What can be
// fixed in Slack (inviting the bot, adding a scope) makes the bridge go live without a restart.
import { expect, it } from "vitest";
import { CHANNEL, DEFAULT_SCOPES, type FakeSlack } from "../fakes/slack.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  bridgesHealth,
  createSlackSession,
  DELIVERY_MS,
  messageText,
  postOutputs,
  useSlack,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

type Health = Awaited<ReturnType<typeof bridgesHealth>>[number];

/** The slack bridge's health once it has said why it is not connected. */
async function notConnected(d: TestDaemon): Promise<Health> {
  return waitFor(
    async () => {
      const h = (await bridgesHealth(d)).find((b) => b.name === "slack");
      return h && h.state !== "connected" && h.state !== "starting" && h.last_error ? h : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "the slack bridge to say why it is down" },
  );
}

async function connected(d: TestDaemon): Promise<Health> {
  let last: Health | undefined;
  return waitFor(
    async () => {
      last = (await bridgesHealth(d)).find((b) => b.name === "slack");
      return last?.state === "connected" ? last : undefined;
    },
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 50,
      what: () => `the slack bridge connected; health: ${JSON.stringify(last)}`,
    },
  );
}

/** One line, naming `what`, with neither token. */
function expectOneClearLine(h: Health, fake: FakeSlack, ...what: string[]) {
  const line = h.last_error ?? "";
  expect(line.split("\n"), line).toHaveLength(1);
  for (const w of what) expect(line).toContain(w);
  expect(line).not.toContain(fake.botToken);
  expect(line).not.toContain(fake.appToken);
  expect(line).not.toMatch(/xox[abp]-\w|xapp-\w/);
}

/** The daemon answers its App API while its Slack bridge is down. */
async function daemonWorks(d: TestDaemon) {
  const res = await d.api("GET", "/api/sessions");
  expect(res.status, res.text).toBe(200);
}

it("is connected in /api/health once the tokens and the channel check out", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  expect(await connected(d)).toEqual({
    name: "slack",
    state: "connected",
    since: expect.any(String),
    last_error: null,
    backlog: 0,
  });
  expect(fake.callsOf("auth.test").at(-1)?.token).toBe("bot");
  expect(fake.callsOf("apps.connections.open").at(-1)?.token).toBe("app");
});

it("a bot token Slack refuses: the daemon starts, health names SLACK_BOT_TOKEN, no token", async () => {
  const fake = await slack.fake();
  const wrong = "xoxb-1000000001-2000000002-wrongbottokenxyz";
  const d = await slack.daemon({ env: { SLACK_BOT_TOKEN: wrong }, connected: false });
  await daemonWorks(d);
  const h = await notConnected(d);
  expectOneClearLine(h, fake, "SLACK_BOT_TOKEN", "invalid_auth");
  expect(h.last_error).not.toContain(wrong);
  expect(fake.openConnections()).toEqual([]);
});

it("the app token given as the bot token: health names SLACK_BOT_TOKEN (not_allowed_token_type)", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_BOT_TOKEN: fake.appToken }, connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_BOT_TOKEN", "not_allowed_token_type");
});

it("an app token Slack refuses: health names SLACK_APP_TOKEN, no token", async () => {
  const fake = await slack.fake();
  const wrong = "xapp-1-A0TETHERAPP-3000000003-wrongapptokenxyz";
  const d = await slack.daemon({ env: { SLACK_APP_TOKEN: wrong }, connected: false });
  await daemonWorks(d);
  const h = await notConnected(d);
  expectOneClearLine(h, fake, "SLACK_APP_TOKEN", "invalid_auth");
  expect(h.last_error).not.toContain(wrong);
  expect(fake.connections).toEqual([]);
});

it("the bot token given as the app token: health names SLACK_APP_TOKEN (not_allowed_token_type)", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_APP_TOKEN: fake.botToken }, connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_APP_TOKEN", "not_allowed_token_type");
  expect(fake.connections).toEqual([]);
});

it("an unknown channel: health names SLACK_CHANNEL_ID and the id", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_CHANNEL_ID: "C0NOSUCH999" }, connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_CHANNEL_ID", "C0NOSUCH999");
});

it("an archived channel: health says so, naming SLACK_CHANNEL_ID", async () => {
  const fake = await slack.fake();
  fake.archive(CHANNEL.id);
  const d = await slack.daemon({ connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_CHANNEL_ID", "archived");
});

it("a bot not in the channel: health says /invite, and once invited the bridge goes live without a restart", async () => {
  const fake = await slack.fake();
  fake.setBotMember(CHANNEL.id, false);
  const d = await slack.daemon({ connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "/invite", `#${CHANNEL.name}`);
  expect(fake.callsOf("chat.postMessage")).toEqual([]);
  // A session that starts meanwhile: created, without a thread yet, and why.
  const early = await d.api("POST", "/external/sessions", {
    session_name: "before the invite",
    platform: "slack",
  });
  expect(early.status, early.text).toBe(200);
  expect(early.body.thread_info).toBeNull();
  expect(early.body.thread_error).toContain("/invite");
  await postOutputs(d, early.body.session_id, ["early-001 waited"]);
  // Waiting on disk, and health counts it.
  await waitFor(async () => (await notConnected(d)).backlog > 0, {
    timeoutMs: DELIVERY_MS,
    what: "the backlog in health",
  });

  fake.setBotMember(CHANNEL.id, true);
  await connected(d);
  await fake.waitForConnections(1);
  const session = await createSlackSession(d, "after the invite");
  await postOutputs(d, session.id, ["invited-001 ok"]);
  await waitForThreadText(fake, session.threadTs, "invited-001");
  // The session from before the invite got its thread, with what it said meanwhile.
  const earlyParent = await fake.waitForMessage((m) =>
    messageText(m).includes("before the invite"),
  );
  await waitForThreadText(fake, earlyParent.ts, "early-001");
});

it("a missing scope: health names the scope, and once it is added the bridge goes live", async () => {
  const fake = await slack.fake({
    scopes: DEFAULT_SCOPES.filter((s) => s !== "channels:read" && s !== "groups:read"),
  });
  const d = await slack.daemon({ connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "channels:read", "OAuth & Permissions");

  fake.setScopes(DEFAULT_SCOPES);
  await connected(d);
  await fake.waitForConnections(1);
});

it("SLACK_APP_TOKEN left out: one line naming it, the daemon runs on", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_APP_TOKEN: "" }, connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_APP_TOKEN");
  expect(fake.calls).toEqual([]);
});

it("SLACK_CHANNEL_ID left out: one line naming it, the daemon runs on", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { SLACK_CHANNEL_ID: "" }, connected: false });
  await daemonWorks(d);
  expectOneClearLine(await notConnected(d), fake, "SLACK_CHANNEL_ID");
  expect(fake.calls).toEqual([]);
});
