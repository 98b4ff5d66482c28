// The daemon killed while its Slack bridge is delivering, then restarted on the same data dir
// (a `tether start` subprocess against the fake Slack, which outlives it): every committed
// output reaches the session's thread, in order, in the same thread. After SIGKILL nothing is
// shown twice except the one message that may have been in flight (Slack has no idempotency
// key); after a clean stop (SIGTERM) nothing at all.
import { expect, it } from "vitest";
import type { FakeSlack } from "../fakes/slack.js";
import { committedOutputs, streamOutputs } from "../helpers/bridge-sessions.js";
import { callApi, type SpawnedDaemon, useSpawnedDaemons } from "../helpers/daemon.js";
import {
  buttons,
  DAEMON_TOKEN,
  DELIVERY_MS,
  markerOf,
  messageText,
  numberedOutputs,
  occurrences,
  slackEnv,
  threadReplies,
  threadText,
  USER,
  useSlack,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();
const spawned = useSpawnedDaemons("tether-slack-kill-");

async function start(fake: FakeSlack, dataDir: string): Promise<SpawnedDaemon> {
  const opened = fake.connections.length;
  const d = await spawned.spawn(dataDir, { TETHER_AGENT_TOKEN: DAEMON_TOKEN, ...slackEnv(fake) });
  await waitFor(() => fake.connections.length > opened && fake.openConnections().length > 0, {
    timeoutMs: DELIVERY_MS,
    what: "the bridge's Socket Mode connection",
  });
  return d;
}

const api = (d: SpawnedDaemon, method: string, path: string, body?: unknown) =>
  callApi(d.url, DAEMON_TOKEN, method, path, body);

/** How many of `outputs` the thread shows. */
const shown = (fake: FakeSlack, threadTs: string, outputs: string[]) => {
  const text = threadText(fake, threadTs);
  return outputs.filter((o) => text.includes(markerOf(o))).length;
};

/** Kills the daemon mid-delivery, restarts it, finishes the stream; returns what the thread
 * shows and which outputs were sent. */
async function killMidStream(signal: NodeJS.Signals, inFlightMs: number) {
  const fake = await slack.fake();
  const dir = spawned.dataDir();
  const first = await start(fake, dir);
  const created = await api(first, "POST", "/external/sessions", {
    session_name: "crash me",
    platform: "slack",
  });
  expect(created.status, created.text).toBe(200);
  const id: string = created.body.session_id;
  const threadTs = String(created.body.thread_info.thread_id);

  const outputs = numberedOutputs(150);
  const writer = streamOutputs(first, id, outputs, () => shown(fake, threadTs, outputs));
  await waitFor(() => shown(fake, threadTs, outputs) >= 8, {
    timeoutMs: DELIVERY_MS,
    what: "the first outputs in the thread",
  });
  // The next post or edit is done by Slack but its answer is slow to come back: the daemon
  // stops right there, with it in flight.
  fake.inject("chat.postMessage", { replyDelayMs: inFlightMs });
  fake.inject("chat.update", { replyDelayMs: inFlightMs });
  await waitFor(() => fake.calls.some((c) => c.fault && c.status === 0), {
    timeoutMs: DELIVERY_MS,
    intervalMs: 1,
    what: "a delivery in flight",
  });
  expect(writer.acked.length, "the agent is still streaming").toBeLessThan(outputs.length);
  await first.kill(signal);
  fake.clearFaults(); // the one of the two that was not met
  const acked = await writer.done;
  const shownAtKill = shown(fake, threadTs, outputs);

  const second = await start(fake, dir);
  const committed = await committedOutputs(second, id);
  // Every acknowledged output is on disk, and what is on disk is the stream's prefix.
  expect(committed.slice(0, acked.length)).toEqual(acked);
  expect(committed).toEqual(outputs.slice(0, committed.length));
  const rest = streamOutputs(second, id, outputs.slice(committed.length));
  expect(await rest.done).toEqual(outputs.slice(committed.length));

  const text = await waitForThreadText(fake, threadTs, markerOf(outputs.at(-1)!), 40_000);
  return { fake, threadTs, outputs, text, shownAtKill };
}

/** Each output is shown, and in order of its first appearance. */
function expectAllInOrder(text: string, outputs: string[]) {
  const missing = outputs.filter((o) => !text.includes(markerOf(o)));
  expect(missing, "outputs never shown").toEqual([]);
  const firsts = outputs.map((o) => text.indexOf(markerOf(o)));
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
}

/** The session's thread is the only one: its parent was not posted again. */
function expectOneThread(fake: FakeSlack, threadTs: string) {
  const parents = fake.messages({ fromBot: true }).filter((m) => !m.thread_ts);
  expect(parents.map((m) => m.ts)).toEqual([threadTs]);
}

it("after SIGKILL mid-stream: everything arrives in order, in the same thread, at most one message again", async () => {
  const { fake, threadTs, outputs, text, shownAtKill } = await killMidStream("SIGKILL", 3_000);
  expect(shownAtKill).toBeLessThan(outputs.length);
  expectAllInOrder(text, outputs);
  expectOneThread(fake, threadTs);

  const repeated = outputs.map(markerOf).filter((m) => occurrences(text, m).length > 1);
  expect(outputs.map(markerOf).filter((m) => occurrences(text, m).length > 2)).toEqual([]);
  if (repeated.length > 0) {
    // All the repeats are of one message: the one that first showed the first repeated output
    // shows every one of them.
    const first = threadReplies(fake, threadTs).find((m) => messageText(m).includes(repeated[0]!))!;
    expect(
      repeated.filter((r) => !messageText(first).includes(r)),
      `repeats beyond one message; repeated: ${repeated.join(", ")}`,
    ).toEqual([]);
  }
});

it("after a clean stop mid-stream: everything arrives in order, once", async () => {
  const { fake, threadTs, outputs, text } = await killMidStream("SIGTERM", 300);
  expectAllInOrder(text, outputs);
  expect(outputs.map(markerOf).filter((m) => occurrences(text, m).length !== 1)).toEqual([]);
  expectOneThread(fake, threadTs);
});

it("after SIGKILL: an approval asked before is answered by a click after, and a reply still reaches the session", async () => {
  const fake = await slack.fake();
  const dir = spawned.dataDir();
  const first = await start(fake, dir);
  const created = await api(first, "POST", "/external/sessions", {
    session_name: "asked before",
    platform: "slack",
  });
  expect(created.status, created.text).toBe(200);
  const id: string = created.body.session_id;
  const threadTs = String(created.body.thread_info.thread_id);
  const asked = await api(first, "POST", `/external/sessions/${id}/approval`, {
    title: "Run the migration?",
    options: ["Approve", "Reject"],
  });
  expect(asked.status, asked.text).toBe(200);
  const requestId: string = asked.body.request_id;
  const message = await waitFor(
    () => threadReplies(fake, threadTs).find((m) => buttons(m).length > 0),
    { timeoutMs: DELIVERY_MS, what: "the approval's buttons" },
  );
  // Asked a while ago: the agent said something after it, which Slack shows.
  const after = await api(first, "POST", `/external/sessions/${id}/output`, {
    text: "waiting-001 for an answer",
    metadata: {},
  });
  expect(after.status, after.text).toBe(200);
  await waitForThreadText(fake, threadTs, "waiting-001");
  await first.kill("SIGKILL");

  const second = await start(fake, dir);
  const { envelope } = fake.click({ messageTs: message.ts, text: "Approve" });
  await fake.waitForAck(envelope.envelope_id);
  const approval = await waitFor(
    async () => {
      const res = await api(second, "GET", `/api/approvals/${requestId}`);
      return res.body.status === "resolved" ? res.body : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the approval resolved by the click" },
  );
  expect(approval).toMatchObject({ decision: "Approve", decided_by: `slack:${USER.id}` });
  // Its message, posted by the daemon that died, is edited by the one after it.
  await waitFor(() => buttons(fake.message(message.channel, message.ts)!).length === 0, {
    timeoutMs: DELIVERY_MS,
    what: () =>
      `the approval's buttons gone; thread: ${JSON.stringify(threadReplies(fake, threadTs).map((m) => [m.ts, m.text, buttons(m).length]))}; calls ${fake.calls.map((c) => `${c.method}→${c.status}${c.error ?? ""}`).join(", ")}`,
  });

  // Asked once: the restart did not post it again.
  expect(
    threadReplies(fake, threadTs).filter((m) => messageText(m).includes("Run the migration?")),
  ).toHaveLength(1);

  fake.userSays({ text: "carry on", threadTs });
  await waitFor(
    async () => {
      const res = await api(second, "GET", `/api/sessions/${id}/events?since_seq=0&limit=1000`);
      return res.body.events.some(
        (e: { type: string; data: { text?: string } }) =>
          e.type === "human_input" && e.data.text === "carry on",
      );
    },
    { timeoutMs: DELIVERY_MS, what: "the reply as human input" },
  );
  expectOneThread(fake, threadTs);
});
