// Discord misbehaving while an agent streams, through the real daemon and the real @discordjs
// libraries against the fake Discord: 429s with Retry-After and 5xx on message create and edit,
// an outage of the whole of Discord, a gateway that says RECONNECT, drops its socket or says
// INVALID_SESSION, and a thread someone deleted. Every output still arrives once and in order;
// while Discord is down /api/health says retrying with the backlog, and the App API does not
// wait for Discord.
import { expect, it } from "vitest";
import { BOT_TOKEN, discord429, type FakeDiscord, serverError } from "../fakes/discord.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  bridgesHealth,
  CHANNEL,
  createDiscordSession,
  DELIVERY_MS,
  events,
  expectEachOnceInOrder,
  markerOf,
  numberedOutputs,
  occurrences,
  postOutputs,
  refusedCalls,
  threadMessages,
  threadText,
  USER,
  useDiscord,
  waitForEvent,
  waitForThreadText,
} from "../helpers/discord.js";
import { waitFor } from "../helpers/wait.js";

const discord = useDiscord();

const CREATE = "POST /channels/:id/messages";
const EDIT = "PATCH /channels/:id/messages/:mid";

async function discordHealth(d: TestDaemon) {
  return (await bridgesHealth(d)).find((b) => b.name === "discord")!;
}

function waitConnected(d: TestDaemon, timeoutMs = DELIVERY_MS) {
  let last: unknown;
  return waitFor(
    async () => {
      const h = await discordHealth(d);
      last = h;
      return h.state === "connected" && h.backlog === 0;
    },
    {
      timeoutMs,
      intervalMs: 50,
      what: () => `the bridge connected with no backlog; health: ${JSON.stringify(last)}`,
    },
  );
}

/** Thread text with a longer wait (faults slow delivery down). */
function waitLong(fake: FakeDiscord, threadId: string, text: string, timeoutMs = 30_000) {
  return waitFor(
    () => (threadText(fake, threadId).includes(text) ? threadText(fake, threadId) : undefined),
    {
      timeoutMs,
      intervalMs: 20,
      what: () => `${text} in the thread; it says:\n${threadText(fake, threadId).slice(-1500)}`,
    },
  );
}

/** How long after a call answered 429 the same route was called again (ms). */
function waitedAfter429(fake: FakeDiscord, route: string): number[] {
  const calls = fake.callsOf(route);
  return calls.flatMap((c, i) =>
    c.status === 429 && calls[i + 1] ? [calls[i + 1]!.at - c.at] : [],
  );
}

// ---------- REST fails ----------

/** A note from the web app after every third output: it ends the output message that grows by
 * edits, so the thread gets new messages as well as edits. */
const noteAfter = (output: string) => `note #${markerOf(output).slice(-3)} from the web`;

async function outputsAndNotes(d: TestDaemon, id: string, outputs: string[]) {
  for (const [i, text] of outputs.entries()) {
    await postOutputs(d, id, [text]);
    if (i % 3 === 2) {
      const res = await d.api("POST", `/api/sessions/${id}/input`, { text: noteAfter(text) });
      expect(res.status, res.text).toBe(200);
    }
  }
}

it("delivers everything once, in order, through 429s (Retry-After) and 5xx on creates and edits", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "flaky discord");
  const outputs = numberedOutputs(30);
  await postOutputs(d, session.id, outputs.slice(0, 5));
  await waitForThreadText(fake, session.threadId, markerOf(outputs[4]!));

  fake.inject(CREATE, discord429(1));
  fake.inject(EDIT, serverError(500));
  fake.inject(CREATE, serverError(502));
  fake.inject(EDIT, discord429(1));
  await outputsAndNotes(d, session.id, outputs.slice(5, 15));
  await waitLong(fake, session.threadId, markerOf(outputs[14]!));
  fake.inject(CREATE, serverError(503, 2));
  fake.inject(EDIT, serverError(500, 2));
  await outputsAndNotes(d, session.id, outputs.slice(15));

  const text = await waitLong(fake, session.threadId, noteAfter(outputs.at(-1)!));
  expectEachOnceInOrder(text, outputs);
  for (const i of [7, 10, 13, 17, 20, 23, 26, 29]) {
    const note = noteAfter(outputs[i]!);
    expect(occurrences(text, note), note).toHaveLength(1);
    expect(text.indexOf(note)).toBeGreaterThan(text.indexOf(markerOf(outputs[i]!)));
    if (outputs[i + 1])
      expect(text.indexOf(note)).toBeLessThan(text.indexOf(markerOf(outputs[i + 1]!)));
  }
  // Every fault was met, and each Retry-After waited out.
  const met = fake.calls.filter((c) => c.fault).map((c) => `${c.route} ${c.status}`);
  expect(met.sort()).toEqual(
    [
      `${CREATE} 429`,
      `${CREATE} 502`,
      `${CREATE} 503`,
      `${CREATE} 503`,
      `${EDIT} 429`,
      `${EDIT} 500`,
      `${EDIT} 500`,
      `${EDIT} 500`,
    ].sort(),
  );
  const waits = [...waitedAfter429(fake, CREATE), ...waitedAfter429(fake, EDIT)];
  expect(waits).toHaveLength(2);
  for (const waited of waits) expect(waited).toBeGreaterThanOrEqual(950);
  expect(refusedCalls(fake)).toEqual([]);
  await waitConnected(d);
});

it("keeps outputs through an outage, says retrying with the backlog, and delivers it after", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "outage");
  const outputs = numberedOutputs(24);
  await postOutputs(d, session.id, outputs.slice(0, 4));
  await waitForThreadText(fake, session.threadId, markerOf(outputs[3]!));
  const readyBefore = fake.connections.length;

  await fake.down();
  await postOutputs(d, session.id, outputs.slice(4, 16));
  const retrying = await waitFor(
    async () => {
      const h = await discordHealth(d);
      return h.state === "retrying" && h.backlog > 0 ? h : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying, with a backlog" },
  );
  expect(retrying.last_error).toBeTruthy();
  for (const part of BOT_TOKEN.split(".")) expect(retrying.last_error).not.toContain(part);
  // The daemon's other doors do not wait for Discord.
  for (const call of [
    () =>
      d.api("POST", `/external/sessions/${session.id}/output`, {
        text: outputs[16],
        metadata: {},
      }),
    () => d.api("GET", "/api/health"),
    () => d.api("GET", "/api/sessions"),
    () => d.api("POST", "/external/sessions", { session_name: "elsewhere" }),
  ]) {
    const started = Date.now();
    const res = await call();
    expect(res.status, res.text).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  }

  await fake.up();
  await postOutputs(d, session.id, outputs.slice(17));
  const text = await waitLong(fake, session.threadId, markerOf(outputs.at(-1)!), 45_000);
  expectEachOnceInOrder(text, outputs);
  // The gateway came back too.
  await waitFor(() => fake.connections.length > readyBefore && fake.openConnections().length > 0, {
    timeoutMs: 45_000,
    what: "the gateway back",
  });
  await waitConnected(d, 45_000);
  expect(refusedCalls(fake)).toEqual([]);
});

// ---------- the gateway ----------

async function approvalWithButtons(d: TestDaemon, sessionId: string) {
  const requestId = await askApproval(d, sessionId, {
    title: "Deploy to staging?",
    options: ["Approve", "Reject"],
  });
  return requestId;
}

async function buttonsIn(fake: FakeDiscord, threadId: string) {
  return waitFor(
    () => threadMessages(fake, threadId).find((m) => (m.components?.length ?? 0) > 0),
    { timeoutMs: DELIVERY_MS, what: "the approval's buttons" },
  );
}

/** An allowed user's click on Approve is acked and decides the approval. */
async function clickApproves(
  d: TestDaemon,
  fake: FakeDiscord,
  sessionId: string,
  threadId: string,
) {
  const asked = await buttonsIn(fake, threadId);
  const click = fake.clickButton({ messageId: asked.id, label: "Approve" });
  await fake.waitForAck(click.id);
  const resolved = await waitForEvent(
    d,
    sessionId,
    (e) => e.type === "approval_resolved",
    "the approval resolved",
  );
  expect(resolved.data).toMatchObject({ option: "Approve", decided_by: `discord:${USER.id}` });
  await waitFor(() => (fake.message(asked.id)?.components?.length ?? 0) === 0, {
    timeoutMs: DELIVERY_MS,
    what: "the approval's buttons gone",
  });
}

/** A message of an allowed user in the thread reaches the session as human input, once. */
async function replyArrives(
  d: TestDaemon,
  fake: FakeDiscord,
  sessionId: string,
  threadId: string,
  text: string,
) {
  fake.userSays({ content: text, channelId: threadId });
  const input = await waitForEvent(
    d,
    sessionId,
    (e) => e.type === "human_input" && e.data.text === text,
    `the reply "${text}"`,
  );
  expect(input.data.sender).toBe(`discord:${USER.id}`);
  const all = (await events(d, sessionId)).filter(
    (e) => e.type === "human_input" && e.data.text === text,
  );
  expect(all).toHaveLength(1);
}

const GATEWAY_FAULTS = {
  "says RECONNECT (resumes)": async (fake: FakeDiscord) => {
    fake.reconnect();
    await fake.waitForResume();
  },
  "drops the socket (resumes)": async (fake: FakeDiscord) => {
    fake.dropGateway();
    await fake.waitForResume();
  },
  "says INVALID_SESSION (identifies again)": async (fake: FakeDiscord) => {
    const before = fake.connections.filter((c) => c.identified).length;
    fake.invalidSession(false);
    await waitFor(() => fake.connections.filter((c) => c.identified).length > before, {
      timeoutMs: 20_000,
      what: () => `a new IDENTIFY → READY; connections ${JSON.stringify(fake.connections)}`,
    });
  },
} as const;

for (const [how, fault] of Object.entries(GATEWAY_FAULTS)) {
  it(`the gateway ${how}: a click and a thread message after it work`, async () => {
    const fake = await discord.fake();
    const d = await discord.daemon();
    const session = await createDiscordSession(d, `gateway ${how}`);
    await approvalWithButtons(d, session.id);
    await buttonsIn(fake, session.threadId);

    await fault(fake);
    await clickApproves(d, fake, session.id, session.threadId);
    await replyArrives(d, fake, session.id, session.threadId, `after it ${how}`);
    await waitConnected(d);
    expect(fake.openConnections()).toHaveLength(1);
    expect(refusedCalls(fake)).toEqual([]);
  }, 40_000);
}

// ---------- someone deletes the thread ----------

it("opens a new thread when the thread was deleted, and loses nothing", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "deleted thread");
  const outputs = numberedOutputs(10);
  await postOutputs(d, session.id, outputs.slice(0, 3));
  await waitForThreadText(fake, session.threadId, markerOf(outputs[2]!));

  fake.deleteChannel(session.threadId);
  await postOutputs(d, session.id, outputs.slice(3));
  const fresh = await waitFor(
    () =>
      fake
        .threads()
        .find((t) => !t.deleted && t.id !== session.threadId && t.name.includes("deleted thread")),
    {
      timeoutMs: DELIVERY_MS,
      what: () => `a new thread; threads: ${JSON.stringify(fake.threads())}`,
    },
  );
  expect(fresh.parent_id).toBe(CHANNEL.id);
  const text = await waitLong(fake, fresh.id, markerOf(outputs.at(-1)!));
  // Nothing after the deletion is lost: it is all in the new thread, once and in order.
  expectEachOnceInOrder(text, outputs.slice(3));
  expect(
    fake.threads().filter((t) => !t.deleted && t.name.includes("deleted thread")),
  ).toHaveLength(1);
  // A message in the new thread reaches the session.
  await replyArrives(d, fake, session.id, fresh.id, "in the new thread");
  await waitConnected(d);
});
