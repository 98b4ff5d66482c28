// Telegram misbehaving while an agent streams, through the real daemon and the real grammY
// against the fake Bot API: 429s with retry_after and 5xx on sendMessage and editMessageText, and
// an outage of the whole API. Every output still arrives once and in order; while Telegram is
// down /api/health says retrying, and the backlog follows when it is back.
import { expect, it } from "vitest";
import { serverError, tooManyRequests } from "../fakes/telegram.js";
import {
  bridgesHealth,
  createExternalSession,
  DELIVERY_MS,
  expectEachOnceInOrder,
  longestVersion,
  markerOf,
  numberedOutputs,
  postOutputs,
  refusedCalls,
  useTelegram,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();

it("delivers everything once, in order, through 429s and 5xx on sends and edits", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "flaky telegram");
  const outputs = numberedOutputs(30);
  await postOutputs(d, session.id, outputs.slice(0, 5));
  await waitForTopicText(fake, session.threadId, markerOf(outputs[4]!));

  fake.inject("sendMessage", tooManyRequests(1));
  fake.inject("editMessageText", serverError(500));
  fake.inject("sendMessage", serverError(502));
  fake.inject("editMessageText", tooManyRequests(1));
  await postOutputs(d, session.id, outputs.slice(5, 15));
  fake.inject("sendMessage", serverError(500, 2));
  fake.inject("editMessageText", serverError(500, 2));
  await postOutputs(d, session.id, outputs.slice(15));

  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  // Every fault was met: the bridge did call through them.
  expect(fake.calls.filter((c) => c.fault).length).toBeGreaterThanOrEqual(4);
  expect(refusedCalls(fake)).toEqual([]);
  expect(longestVersion(fake, session.threadId)).toBeLessThanOrEqual(4096);
  await waitFor(async () => (await bridgesHealth(d))[0]?.state === "connected", {
    timeoutMs: DELIVERY_MS,
    what: "the bridge connected again",
  });
});

it("waits out a 429 on the first send of a new topic's message", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "rate limited");
  fake.inject("sendMessage", tooManyRequests(2, 3));
  const outputs = numberedOutputs(8);
  await postOutputs(d, session.id, outputs);
  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  expect(refusedCalls(fake)).toEqual([]);
});

it("keeps outputs through an outage, says retrying meanwhile, and delivers the backlog after", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "outage");
  const outputs = numberedOutputs(24);
  await postOutputs(d, session.id, outputs.slice(0, 4));
  await waitForTopicText(fake, session.threadId, markerOf(outputs[3]!));

  await fake.down();
  await postOutputs(d, session.id, outputs.slice(4, 16));
  const retrying = await waitFor(
    async () => {
      const [h] = await bridgesHealth(d);
      return h?.state === "retrying" ? h : undefined;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying" },
  );
  expect(retrying.last_error).toBeTruthy();
  expect(retrying.last_error).not.toContain(fake.token);
  expect(retrying.backlog).toBeGreaterThan(0);
  // The daemon's other doors do not wait for Telegram.
  const quick = await d.api("POST", `/external/sessions/${session.id}/output`, {
    text: outputs[16],
    metadata: {},
  });
  expect(quick.status).toBe(200);

  await fake.up();
  await postOutputs(d, session.id, outputs.slice(17));
  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!), 40_000);
  expectEachOnceInOrder(text, outputs);
  await waitFor(
    async () => {
      const [h] = await bridgesHealth(d);
      return h?.state === "connected" && h.backlog === 0;
    },
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health connected with no backlog" },
  );
  expect(refusedCalls(fake)).toEqual([]);
});

it("rides out connections reset mid-call", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "resets");
  fake.inject("sendMessage", { drop: "reset" });
  fake.inject("editMessageText", { drop: "reset" });
  const outputs = numberedOutputs(12);
  await postOutputs(d, session.id, outputs);
  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!), 30_000);
  // A reset after the request reached the fake loses the reply, not the request: the fake
  // dropped it before handling, so nothing was shown twice.
  expectEachOnceInOrder(text, outputs);
});
