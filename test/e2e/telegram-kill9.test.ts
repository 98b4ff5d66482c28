// The daemon killed while its Telegram bridge is delivering, then restarted on the same data dir
// (a `tether start` subprocess against the fake Bot API, which outlives it): every committed
// output reaches the topic, in order, in the same topic. After SIGKILL nothing is shown twice
// except the one message that may have been in flight (Telegram has no idempotency key); after a
// clean stop (SIGTERM) nothing at all.
import { expect, it } from "vitest";
import type { FakeTelegram } from "../fakes/telegram.js";
import { committedOutputs, streamOutputs } from "../helpers/bridge-sessions.js";
import { callApi, type SpawnedDaemon, useSpawnedDaemons } from "../helpers/daemon.js";
import {
  botMessages,
  DAEMON_TOKEN,
  DELIVERY_MS,
  markerOf,
  numberedOutputs,
  occurrences,
  telegramEnv,
  topicText,
  useTelegram,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();
const spawned = useSpawnedDaemons("tether-tg-kill-");

async function start(fake: FakeTelegram, dataDir: string): Promise<SpawnedDaemon> {
  const d = await spawned.spawn(dataDir, {
    TETHER_AGENT_TOKEN: DAEMON_TOKEN,
    ...telegramEnv(fake),
  });
  await waitFor(() => fake.polling(), { timeoutMs: DELIVERY_MS, what: "the bridge to long poll" });
  return d;
}

const api = (d: SpawnedDaemon, method: string, path: string, body?: unknown) =>
  callApi(d.url, DAEMON_TOKEN, method, path, body);

/** How many of `outputs` the topic shows. */
const shown = (fake: FakeTelegram, threadId: number, outputs: string[]) => {
  const text = topicText(fake, threadId);
  return outputs.filter((o) => text.includes(markerOf(o))).length;
};

/** Kills the daemon mid-delivery, restarts it, finishes the stream; returns what the topic
 * shows and which outputs were sent. */
async function killMidStream(signal: NodeJS.Signals, inFlightMs: number) {
  const fake = await tg.fake();
  const dir = { path: spawned.dataDir() };
  const first = await start(fake, dir.path);
  const created = await api(first, "POST", "/external/sessions", {
    session_name: "crash me",
    platform: "telegram",
  });
  expect(created.status, created.text).toBe(200);
  const id: string = created.body.session_id;
  const threadId = Number(created.body.thread_info.thread_id);

  const outputs = numberedOutputs(150);
  const writer = streamOutputs(first, id, outputs, () => shown(fake, threadId, outputs));
  await waitFor(() => shown(fake, threadId, outputs) >= 8, {
    timeoutMs: DELIVERY_MS,
    what: "the first outputs in the topic",
  });
  // The next send or edit is done by Telegram but its answer is slow to come back: the daemon
  // stops right there, with it in flight.
  fake.inject("sendMessage", { replyDelayMs: inFlightMs });
  fake.inject("editMessageText", { replyDelayMs: inFlightMs });
  await waitFor(() => fake.calls.some((c) => c.fault && c.status === 0), {
    timeoutMs: DELIVERY_MS,
    intervalMs: 1,
    what: "a delivery in flight",
  });
  expect(writer.acked.length, "the agent is still streaming").toBeLessThan(outputs.length);
  await first.kill(signal);
  fake.clearFaults(); // the one of the two that was not met
  const acked = await writer.done;
  const shownAtKill = shown(fake, threadId, outputs);

  const second = await start(fake, dir.path);
  const committed = await committedOutputs(second, id);
  // Every acknowledged output is on disk, and what is on disk is the stream's prefix.
  expect(committed.slice(0, acked.length)).toEqual(acked);
  expect(committed).toEqual(outputs.slice(0, committed.length));
  const rest = streamOutputs(second, id, outputs.slice(committed.length));
  expect(await rest.done).toEqual(outputs.slice(committed.length));

  const text = await waitForTopicText(fake, threadId, markerOf(outputs.at(-1)!), 40_000);
  return { fake, threadId, outputs, text, shownAtKill };
}

/** Each output is shown, and in order of its first appearance. */
function expectAllInOrder(text: string, outputs: string[]) {
  const missing = outputs.filter((o) => !text.includes(markerOf(o)));
  expect(missing, "outputs never shown").toEqual([]);
  const firsts = outputs.map((o) => text.indexOf(markerOf(o)));
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
}

it("after SIGKILL mid-stream: everything arrives in order, in the same topic, at most one message again", async () => {
  const { fake, threadId, outputs, text, shownAtKill } = await killMidStream("SIGKILL", 3_000);
  expect(shownAtKill).toBeLessThan(outputs.length);
  expectAllInOrder(text, outputs);
  expect(fake.topics()).toHaveLength(1);

  const repeated = outputs.map(markerOf).filter((m) => occurrences(text, m).length > 1);
  expect(outputs.map(markerOf).filter((m) => occurrences(text, m).length > 2)).toEqual([]);
  if (repeated.length > 0) {
    // All the repeats are of one message: the one that first showed the first repeated output
    // shows every one of them.
    const first = botMessages(fake, threadId).find((m) => m.text.includes(repeated[0]!))!;
    expect(
      repeated.filter((r) => !first.text.includes(r)),
      `repeats beyond one message; repeated: ${repeated.join(", ")}`,
    ).toEqual([]);
  }
  // The header was not sent (and pinned) again either.
  expect(fake.pinned().length).toBeLessThanOrEqual(1);
});

it("after a clean stop mid-stream: everything arrives in order, once", async () => {
  const { fake, outputs, text } = await killMidStream("SIGTERM", 300);
  expectAllInOrder(text, outputs);
  expect(outputs.map(markerOf).filter((m) => occurrences(text, m).length !== 1)).toEqual([]);
  expect(fake.topics()).toHaveLength(1);
});
