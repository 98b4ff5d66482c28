// A phone that subscribes after notifications have already gone out still gets the next one:
// the notifier keeps subscriptions in memory, so adding one must refresh what it holds.
import { afterEach, expect, it } from "vitest";
import { type FakeNtfy, startFakeNtfy } from "../fakes/ntfy.js";
import { type FakePushService, startFakePushService } from "../fakes/push-service.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let t: TestDaemon | undefined;
let push: FakePushService | undefined;
let ntfy: FakeNtfy | undefined;

afterEach(async () => {
  await t?.close();
  await Promise.all([push?.close(), ntfy?.close()]);
});

it("delivers to a subscription added after an earlier notification", async () => {
  [push, ntfy] = await Promise.all([startFakePushService(), startFakeNtfy()]);
  t = await startTestDaemon({
    token: "late-subscriber-token-0123456789abcdef0123456789",
    // The fake push service listens on 127.0.0.1.
    env: { TETHER_NTFY_URL: `${ntfy.url}/alerts`, TETHER_PUSH_ALLOW_PRIVATE: "1" },
  });
  push.vapidPublicKey = (await t.api("GET", "/api/push/vapid-public-key")).body.public_key;
  const created = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "agent" },
    session_name: "late",
  });
  const id = created.body.session_id as string;

  // Sent while nobody is subscribed to push: ntfy hearing of it shows it was dispatched.
  await t.api("POST", `/external/sessions/${id}/approval`, { title: "First?" });
  await ntfy.waitForMessages(1);

  const phone = push.subscribe();
  expect((await t.api("POST", "/api/push/subscriptions", phone)).status).toBe(201);
  await t.api("POST", `/external/sessions/${id}/approval`, { title: "Second?" });
  const [delivered] = await push.waitForDelivered(phone.id, 1);
  expect(delivered?.payload).toMatchObject({ title: expect.stringContaining("Second?") });
});
