// Slack misbehaving while an agent streams, through the real daemon and the real Bolt against the
// fake Slack: 429s with Retry-After and 5xx on chat.postMessage and chat.update, connections
// reset mid-call, an outage of the whole of Slack, a Slack that answers slowly, a Socket Mode
// socket that Slack refreshes, disables or cuts, and a thread whose parent someone deleted.
// Every output still arrives once and in order; while Slack is down /api/health says retrying
// with the backlog, and nothing else the daemon does waits for Slack.
import { expect, it } from "vitest";
import {
  CHANNEL,
  type DisconnectReason,
  type FakeSlack,
  rateLimited,
  serverError,
} from "../fakes/slack.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  bridgesHealth,
  buttons,
  createSlackSession,
  DELIVERY_MS,
  events,
  expectEachOnceInOrder,
  markerOf,
  messageText,
  numberedOutputs,
  occurrences,
  postOutputs,
  refusedCalls,
  type SlackSession,
  threadText,
  USER,
  useSlack,
  waitForButtons,
  waitForEvent,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

async function slackHealth(d: TestDaemon) {
  return (await bridgesHealth(d)).find((b) => b.name === "slack")!;
}

function waitConnected(d: TestDaemon, what = "the bridge connected with no backlog") {
  return waitFor(
    async () => {
      const h = await slackHealth(d);
      return h.state === "connected" && h.backlog === 0;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what },
  );
}

/** How long after the call answered 429 the same method was called again (ms). */
function waitedAfter429(fake: FakeSlack, method: string): number[] {
  const calls = fake.callsOf(method);
  return calls.flatMap((c, i) =>
    c.status === 429 && calls[i + 1] ? [calls[i + 1]!.at - c.at] : [],
  );
}

// ---------- the Web API fails ----------

/** Outputs with a note from the web app after every third one: the note ends the output
 * message that grows by edits, so the thread gets new posts as well as edits. */
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

it("delivers everything once, in order, through 429s (Retry-After) and 5xx on posts and edits", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "flaky slack");
  const outputs = numberedOutputs(30);
  await postOutputs(d, session.id, outputs.slice(0, 5));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[4]!));

  fake.inject("chat.postMessage", rateLimited(1));
  fake.inject("chat.update", serverError(500));
  fake.inject("chat.postMessage", serverError(502));
  fake.inject("chat.update", rateLimited(1));
  await outputsAndNotes(d, session.id, outputs.slice(5, 15));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[14]!), 30_000);
  fake.inject("chat.postMessage", serverError(503, 2));
  fake.inject("chat.update", serverError(500, 2));
  await outputsAndNotes(d, session.id, outputs.slice(15));

  // The last thing said is the note after the last output.
  const text = await waitForThreadText(fake, session.threadTs, noteAfter(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  // The notes too, each once, each after the output before it.
  for (const i of [7, 10, 13, 17, 20, 23, 26, 29]) {
    const note = noteAfter(outputs[i]!);
    expect(occurrences(text, note), note).toHaveLength(1);
    expect(text.indexOf(note)).toBeGreaterThan(text.indexOf(markerOf(outputs[i]!)));
    if (outputs[i + 1])
      expect(text.indexOf(note)).toBeLessThan(text.indexOf(markerOf(outputs[i + 1]!)));
  }
  // Every fault was met, and each Retry-After waited out.
  const met = fake.calls.filter((c) => c.fault).map((c) => `${c.method} ${c.status}`);
  expect(met.sort()).toEqual(
    [
      "chat.postMessage 429",
      "chat.postMessage 502",
      "chat.postMessage 503",
      "chat.postMessage 503",
      "chat.update 429",
      "chat.update 500",
      "chat.update 500",
      "chat.update 500",
    ].sort(),
  );
  const waits = [
    ...waitedAfter429(fake, "chat.postMessage"),
    ...waitedAfter429(fake, "chat.update"),
  ];
  expect(waits).toHaveLength(2);
  for (const waited of waits) expect(waited).toBeGreaterThanOrEqual(950);
  expect(refusedCalls(fake)).toEqual([]);
  await waitConnected(d);
});

it("waits out a 429 on the parent message of a new thread", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  fake.inject("chat.postMessage", rateLimited(1, 2));
  const session = await createSlackSession(d, "rate limited parent");
  expect(fake.messages({ fromBot: true }).filter((m) => !m.thread_ts)).toHaveLength(1);
  const outputs = numberedOutputs(8);
  await postOutputs(d, session.id, outputs);
  const text = await waitForThreadText(fake, session.threadTs, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  expect(waitedAfter429(fake, "chat.postMessage")).toHaveLength(2);
  expect(refusedCalls(fake)).toEqual([]);
});

it("rides out connections reset or closed mid-call", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "resets");
  fake.inject("chat.postMessage", { drop: "reset" });
  fake.inject("chat.update", { drop: "reset" });
  fake.inject("chat.postMessage", { drop: "close" });
  fake.inject("chat.update", { drop: "close" });
  const outputs = numberedOutputs(16);
  for (const [i, text] of outputs.entries()) {
    await postOutputs(d, session.id, [text]);
    // A few pauses, so that some outputs are edits of a message and some are new ones.
    if (i % 4 === 3) await waitForThreadText(fake, session.threadTs, markerOf(text), 30_000);
  }
  const text = await waitForThreadText(fake, session.threadTs, markerOf(outputs.at(-1)!), 30_000);
  // The fake dropped each connection before handling its request: nothing took effect twice.
  expectEachOnceInOrder(text, outputs);
  expect(fake.calls.filter((c) => c.fault).length).toBeGreaterThanOrEqual(3);
  expect(refusedCalls(fake)).toEqual([]);
});

it("keeps outputs through an outage, says retrying with the backlog, and delivers it after", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "outage");
  const outputs = numberedOutputs(24);
  await postOutputs(d, session.id, outputs.slice(0, 4));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[3]!));
  const socketsBefore = fake.connections.length;

  await fake.down();
  await postOutputs(d, session.id, outputs.slice(4, 16));
  const retrying = await waitFor(
    async () => {
      const h = await slackHealth(d);
      return h.state === "retrying" && h.backlog > 0 ? h : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying, with a backlog" },
  );
  expect(retrying.last_error).toBeTruthy();
  expect(retrying.last_error).not.toContain(fake.botToken);
  expect(retrying.last_error).not.toContain(fake.appToken);
  // The daemon's other doors do not wait for Slack.
  const started = Date.now();
  const quick = await d.api("POST", `/external/sessions/${session.id}/output`, {
    text: outputs[16],
    metadata: {},
  });
  expect(quick.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(1000);

  await fake.up();
  await postOutputs(d, session.id, outputs.slice(17));
  const text = await waitForThreadText(fake, session.threadTs, markerOf(outputs.at(-1)!), 40_000);
  expectEachOnceInOrder(text, outputs);
  // Socket Mode came back too.
  await fake.waitForConnections(socketsBefore + 1);
  await waitFor(
    async () => {
      const h = await slackHealth(d);
      return h.state === "connected" && h.backlog === 0;
    },
    { timeoutMs: 40_000, intervalMs: 50, what: "health connected with no backlog" },
  );
  expect(refusedCalls(fake)).toEqual([]);
});

it("a Slack that answers slowly slows nothing else: the App API answers at once", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "slow slack");
  const outputs = numberedOutputs(12);
  await postOutputs(d, session.id, outputs.slice(0, 2));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[1]!));

  fake.setDelay("chat.postMessage", 6000);
  fake.setDelay("chat.update", 6000);
  fake.setDelay("conversations.info", 6000);
  const slowest = { ms: 0, what: "" };
  const timed = async (what: string, call: () => Promise<{ status: number; text: string }>) => {
    const started = Date.now();
    const res = await call();
    const ms = Date.now() - started;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what });
    expect(res.status, `${what}: ${res.text}`).toBeLessThan(300);
  };
  for (const text of outputs.slice(2, 10)) {
    await timed("an output", () =>
      d.api("POST", `/external/sessions/${session.id}/output`, { text, metadata: {} }),
    );
  }
  // A Slack call is under way and waiting for its answer.
  await waitFor(() => fake.calls.some((c) => c.status === 0 && c.method.startsWith("chat.")), {
    timeoutMs: DELIVERY_MS,
    what: "a Slack call in flight",
  });
  await timed("health", () => d.api("GET", "/api/health"));
  await timed("the session list", () => d.api("GET", "/api/sessions"));
  await timed("its events", () => d.api("GET", `/api/sessions/${session.id}/events?since_seq=0`));
  await timed("an approval", () =>
    d.api("POST", `/external/sessions/${session.id}/approval`, { title: "Go on?" }),
  );
  await timed("a session of no chat", () =>
    d.api("POST", "/external/sessions", { session_name: "elsewhere" }),
  );
  expect(slowest.ms, `the slowest: ${slowest.what}`).toBeLessThan(1000);

  fake.setDelay("chat.postMessage", 0);
  fake.setDelay("chat.update", 0);
  fake.setDelay("conversations.info", 0);
  await postOutputs(d, session.id, outputs.slice(10));
  const text = await waitForThreadText(fake, session.threadTs, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  expect(refusedCalls(fake)).toEqual([]);
});

it("a new session while Slack hangs: its reply waits no longer than the thread timeout, and the thread opens once Slack answers", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  fake.setDelay("chat.postMessage", 12_000);
  const started = Date.now();
  const created = await d.api("POST", "/external/sessions", {
    session_name: "opened late",
    platform: "slack",
  });
  const took = Date.now() - started;
  expect(created.status, created.text).toBe(200);
  expect(took).toBeLessThan(11_500);
  expect(created.body.thread_info).toBeNull();
  expect(created.body.thread_error).toContain("slack");
  const id: string = created.body.session_id;
  await postOutputs(d, id, ["late-001 waited for its thread"]);
  fake.setDelay("chat.postMessage", 0);

  // The parent posted by the attempt that outlived the reply is the session's one thread.
  const parent = await fake.waitForMessage(
    (m) => !m.thread_ts && messageText(m).includes("opened late"),
  );
  await waitForThreadText(fake, parent.ts, "late-001", 30_000);
  expect(fake.messages({ fromBot: true }).filter((m) => !m.thread_ts)).toHaveLength(1);
  await replyArrives(d, fake, { id, threadTs: parent.ts }, "found you");
});

// ---------- Socket Mode ----------

/** Slack closes the socket in one of its ways; resolves once the bridge has a new one open. */
async function socketGoes(fake: FakeSlack, how: DisconnectReason | "drop"): Promise<void> {
  const before = fake.connections.length;
  if (how === "drop") fake.dropConnections();
  else fake.disconnect(how);
  await fake.waitForConnections(before + 1);
  expect(fake.openConnections()).toHaveLength(1);
}

/** An approval whose buttons are in the thread. */
async function approvalWithButtons(d: TestDaemon, fake: FakeSlack, session: SlackSession) {
  const requestId = await askApproval(d, session.id, {
    title: "Deploy to staging?",
    options: ["Approve", "Reject"],
  });
  const asked = await waitForButtons(fake, session.threadTs, "Deploy to staging?");
  return { requestId, asked };
}

/** An allowed user's click on Approve is acked and decides the approval. */
async function clickApproves(d: TestDaemon, fake: FakeSlack, requestId: string, messageTs: string) {
  const { envelope } = fake.click({ messageTs, text: "Approve" });
  await fake.waitForAck(envelope.envelope_id);
  const resolved = await waitForEvent(
    d,
    (await d.api("GET", `/api/approvals/${requestId}`)).body.session_id,
    (e) => e.type === "approval_resolved" && e.data.request_id === requestId,
    "the approval resolved",
  );
  expect(resolved.data).toMatchObject({ option: "Approve", decided_by: `slack:${USER.id}` });
  // And its message lost its buttons.
  await waitFor(() => buttons(fake.message(CHANNEL.id, messageTs)!).length === 0, {
    timeoutMs: DELIVERY_MS,
    what: "the approval's buttons gone",
  });
}

/** A reply of an allowed user in the thread reaches the session as human input. */
async function replyArrives(d: TestDaemon, fake: FakeSlack, session: SlackSession, text: string) {
  const { envelope } = fake.userSays({ text, threadTs: session.threadTs });
  const input = await waitForEvent(
    d,
    session.id,
    (e) => e.type === "human_input" && e.data.text === text,
    `the reply "${text}"`,
  );
  expect(input.data.sender).toBe(`slack:${USER.id}`);
  return envelope;
}

for (const how of ["refresh_requested", "link_disabled", "drop"] as const) {
  it(`reconnects when Slack ${how === "drop" ? "cuts the socket" : `says ${how}`}; a click and a reply after it work`, async () => {
    const fake = await slack.fake();
    const d = await slack.daemon();
    const session = await createSlackSession(d, `socket ${how}`);
    const { requestId, asked } = await approvalWithButtons(d, fake, session);

    await socketGoes(fake, how);
    await clickApproves(d, fake, requestId, asked.ts);
    await replyArrives(d, fake, session, `after ${how}`);
    await waitConnected(d);
    expect(refusedCalls(fake)).toEqual([]);
  });
}

it("reconnects again and again (each refresh opens a new socket)", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "many refreshes");
  for (const how of ["refresh_requested", "drop", "refresh_requested", "link_disabled"] as const) {
    await socketGoes(fake, how);
  }
  expect(fake.connections).toHaveLength(5);
  await replyArrives(d, fake, session, "still here");
  await waitConnected(d);
});

it("handles what people did while the socket was down once it is back", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "queued events");
  const before = fake.connections.length;
  fake.dropConnections();
  // Slack holds events for an app with no socket open, and sends them to the next one.
  const { envelope } = fake.userSays({ text: "said while offline", threadTs: session.threadTs });
  expect(fake.envelope(envelope.envelope_id)?.status).toBe("queued");

  await fake.waitForConnections(before + 1);
  await fake.waitForAck(envelope.envelope_id);
  const input = await waitForEvent(
    d,
    session.id,
    (e) => e.type === "human_input" && e.data.text === "said while offline",
    "the reply made while offline",
  );
  expect(input.data.sender).toBe(`slack:${USER.id}`);
  // Once, though the event was queued and then sent.
  const inputs = (await events(d, session.id)).filter((e) => e.type === "human_input");
  expect(inputs).toHaveLength(1);
});

it("health says retrying while the socket is down, and connected once it is back", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  await waitConnected(d);
  // Slack refuses new sockets for a while: the bridge keeps trying.
  await fake.down();
  const h = await waitFor(
    async () => {
      const now = await slackHealth(d);
      return now.state === "retrying" ? now : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying" },
  );
  expect(h.last_error).toBeTruthy();
  expect(h.last_error).not.toContain(fake.appToken);
  const before = fake.connections.length;
  await fake.up();
  await fake.waitForConnections(before + 1);
  await waitConnected(d);
});

// ---------- someone deletes the parent ----------

it("opens a new thread when the parent was deleted, and loses nothing", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "deleted parent");
  const outputs = numberedOutputs(10);
  await postOutputs(d, session.id, outputs.slice(0, 3));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[2]!));

  fake.deleteMessage(CHANNEL.id, session.threadTs);
  // Slack tells the app: the session's next event goes to a new thread.
  const deleted = fake.envelopes.at(-1)!;
  expect(deleted.payload.event).toMatchObject({ subtype: "message_deleted" });
  await fake.waitForAck(deleted.envelope_id);
  await postOutputs(d, session.id, outputs.slice(3));
  const parents = await waitFor(
    () => {
      const top = fake.messages({ fromBot: true }).filter((m) => !m.thread_ts);
      return top.length === 1 && top[0]!.ts !== session.threadTs ? top : undefined;
    },
    {
      timeoutMs: DELIVERY_MS,
      what: () =>
        `a new parent; top-level messages: ${JSON.stringify(fake.messages({ fromBot: true, includeDeleted: true }).filter((m) => !m.thread_ts))}`,
    },
  );
  const fresh = parents[0]!;
  expect(messageText(fresh)).toContain("deleted parent");
  const text = await waitForThreadText(fake, fresh.ts, markerOf(outputs.at(-1)!), 30_000);
  // What came after the deletion is all in the new thread, once and in order.
  expectEachOnceInOrder(text, outputs.slice(3));
  // The old thread's replies are still there (Slack keeps replies of a deleted parent).
  expect(threadText(fake, session.threadTs)).toContain(markerOf(outputs[2]!));
  // A reply in the new thread reaches the session.
  await replyArrives(d, fake, { id: session.id, threadTs: fresh.ts }, "in the new thread");
  expect(refusedCalls(fake)).toEqual([]);
});

// ---------- the workspace changes under a live bridge ----------

it("the bot removed from the channel: health says to /invite it, and once back everything arrives", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "kicked out");
  const outputs = numberedOutputs(10);
  await postOutputs(d, session.id, outputs.slice(0, 2));
  await waitForThreadText(fake, session.threadTs, markerOf(outputs[1]!));

  fake.setBotMember(CHANNEL.id, false);
  // A note from the web app: a new message, which Slack refuses now.
  const note = await d.api("POST", `/api/sessions/${session.id}/input`, { text: "still there?" });
  expect(note.status, note.text).toBe(200);
  await postOutputs(d, session.id, outputs.slice(2, 6));
  const h = await waitFor(
    async () => {
      const now = await slackHealth(d);
      return now.state === "retrying" && now.backlog > 0 ? now : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying" },
  );
  expect(h.last_error).toContain("/invite");
  expect(h.last_error).toContain(`#${CHANNEL.name}`);

  fake.setBotMember(CHANNEL.id, true);
  await postOutputs(d, session.id, outputs.slice(6));
  const text = await waitForThreadText(fake, session.threadTs, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  expect(text.indexOf("still there?")).toBeGreaterThan(text.indexOf(markerOf(outputs[1]!)));
  expect(text.indexOf("still there?")).toBeLessThan(text.indexOf(markerOf(outputs[2]!)));
  await waitConnected(d);
});
