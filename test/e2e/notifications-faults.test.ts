// Push services fail: a subscription that is gone (404/410) is removed and never tried again;
// 429 and 5xx are retried (after Retry-After when given) a couple of times, then dropped; ntfy
// is retried the same way. Nothing of it holds up the agent.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeNtfy, startFakeNtfy } from "../fakes/ntfy.js";
import { type FakePushService, startFakePushService } from "../fakes/push-service.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let push: FakePushService;
let ntfy: FakeNtfy;
let t: TestDaemon;

beforeAll(async () => {
  [push, ntfy] = await Promise.all([startFakePushService(), startFakeNtfy()]);
  t = await startTestDaemon({
    devMode: true,
    // The fake push service listens on 127.0.0.1.
    env: { TETHER_NTFY_URL: `${ntfy.url}/faults`, TETHER_PUSH_ALLOW_PRIVATE: "1" },
  });
  push.vapidPublicKey = (await t.api("GET", "/api/push/vapid-public-key")).body.public_key;
});
afterAll(async () => {
  await t?.close();
  await Promise.all([push?.close(), ntfy?.close()]);
});

async function subscribe() {
  const browser = push.subscribe();
  expect((await t.api("POST", "/api/push/subscriptions", browser)).status).toBe(201);
  return browser;
}

async function endpoints(): Promise<string[]> {
  const res = await t.api("GET", "/api/push/subscriptions");
  return res.body.subscriptions.map((s: { endpoint: string }) => s.endpoint);
}

async function askApproval(title: string): Promise<void> {
  const created = await t.api("POST", "/external/sessions", { session_name: "faulty" });
  const sid = created.body.session_id;
  const res = await t.api("POST", `/external/sessions/${sid}/approval`, { title });
  expect(res.status).toBe(200);
}

it("removes a subscription the push service says is gone, and sends there no more", async () => {
  const gone = await subscribe();
  const alive = await subscribe();
  push.inject({ status: 410, subscription: gone.id });
  await askApproval("First?");
  await push.waitForDelivered(alive.id, 1);
  await push.waitForRequests(gone.id, 1);
  await expect.poll(endpoints).not.toContain(gone.endpoint);
  expect(await endpoints()).toContain(alive.endpoint);

  await askApproval("Second?");
  await push.waitForDelivered(alive.id, 2);
  expect(push.received.filter((r) => r.subscription === gone.id)).toHaveLength(1);
  await t.api("DELETE", "/api/push/subscriptions", { endpoint: alive.endpoint });
});

it("retries after 429 with Retry-After and after a 500, then delivers once", async () => {
  const browser = await subscribe();
  push.inject({ status: 429, headers: { "retry-after": "0" }, subscription: browser.id, times: 1 });
  push.inject({ status: 503, subscription: browser.id, times: 1 });
  ntfy.inject({ status: 429, headers: { "retry-after": "0" }, times: 1 });
  const ntfyBefore = ntfy.messages.length;
  await askApproval("Retry?");
  const delivered = await push.waitForDelivered(browser.id, 1);
  expect((delivered[0]!.payload as { title: string }).title).toBe("faulty: Retry?");
  expect(push.received.filter((r) => r.subscription === browser.id).map((r) => r.status)).toEqual([
    429, 503, 201,
  ]);
  const messages = await ntfy.waitForMessages(ntfyBefore + 1);
  expect(messages.at(-1)!.title).toBe("faulty: Retry?");
  await t.api("DELETE", "/api/push/subscriptions", { endpoint: browser.endpoint });
});

it("gives up after three tries, keeping the subscription", async () => {
  const browser = await subscribe();
  push.inject({ status: 500, subscription: browser.id, times: 3 });
  await askApproval("Doomed?");
  await push.waitForRequests(browser.id, 3);
  // The marker goes out after the third try was answered; had there been a fourth, the
  // marker would not be the fourth request.
  await askApproval("After?");
  const all = await push.waitForRequests(browser.id, 4);
  expect(all.map((r) => r.status)).toEqual([500, 500, 500, 201]);
  expect((all[3]!.payload as { title: string }).title).toBe("faulty: After?");
  expect(await endpoints()).toContain(browser.endpoint);
  await t.api("DELETE", "/api/push/subscriptions", { endpoint: browser.endpoint });
});
