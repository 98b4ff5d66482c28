// Notifications end to end: a browser subscribes through the App API, an external agent asks
// and finishes, and the fake push service (which verifies the VAPID signature and decrypts the
// payload as the browser would) and the fake ntfy server receive one notification for each —
// and none for plain output — and, once the approval is answered, word that it is closed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeNtfy, startFakeNtfy } from "../fakes/ntfy.js";
import {
  type BrowserSubscription,
  type FakePushService,
  startFakePushService,
} from "../fakes/push-service.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const PUBLIC_URL = "https://tether.example.test";
const NTFY_TOKEN = "tk_fake_ntfy_token_1";

let push: FakePushService;
let ntfy: FakeNtfy;
let t: TestDaemon;
let browser: BrowserSubscription;

beforeAll(async () => {
  [push, ntfy] = await Promise.all([startFakePushService(), startFakeNtfy()]);
  t = await startTestDaemon({
    token: "notify-e2e-token-0123456789abcdef0123456789",
    env: {
      TETHER_NTFY_URL: `${ntfy.url}/tether-alerts`,
      TETHER_NTFY_TOKEN: NTFY_TOKEN,
      TETHER_PUBLIC_URL: PUBLIC_URL,
      // The fake push service listens on 127.0.0.1.
      TETHER_PUSH_ALLOW_PRIVATE: "1",
    },
  });
  const key = await t.api("GET", "/api/push/vapid-public-key");
  expect(key.status).toBe(200);
  push.vapidPublicKey = key.body.public_key;
  browser = push.subscribe();
  const res = await t.api(
    "POST",
    "/api/push/subscriptions",
    { ...browser, label: "phone" },
    { "user-agent": "FakeBrowser/1.0" },
  );
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ endpoint: browser.endpoint, label: "phone" });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([push?.close(), ntfy?.close()]);
});

async function externalSession(name: string): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "my-agent" },
    session_name: name,
  });
  expect(res.status).toBe(200);
  return res.body.session_id;
}

describe("notifications", () => {
  it("lists the subscription with its label and user agent", async () => {
    const res = await t.api("GET", "/api/push/subscriptions");
    expect(res.status).toBe(200);
    expect(res.body.subscriptions).toContainEqual({
      endpoint: browser.endpoint,
      label: "phone",
      user_agent: "FakeBrowser/1.0",
      created_at: expect.any(String),
    });
  });

  it("sends one push and one ntfy message per approval and per wait for input, none for output", async () => {
    const sid = await externalSession("refactor auth");
    const before = push.delivered(browser.id).length;
    const ntfyBefore = ntfy.messages.length;
    const ask = async (path: string, body: unknown) => {
      const res = await t.api("POST", `/external/sessions/${sid}/${path}`, body);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };

    await ask("status", { status: "thinking" });
    await ask("output", { text: "Reading src/auth.ts" });
    const approval = await ask("approval", {
      title: "Run the migration?",
      description: "ALTER TABLE users ADD COLUMN last_login timestamp",
      options: ["Approve", "Reject"],
    });
    const [first] = (await push.waitForDelivered(browser.id, before + 1)).slice(before);
    expect(first!.vapidKey).toBe(push.vapidPublicKey);
    expect(first!.claims!.aud).toBe(push.url);
    expect(first!.headers.urgency).toBe("high");
    const tag = `approval-${approval.request_id}`;
    expect(first!.payload).toEqual({
      title: "refactor auth: Run the migration?",
      body: "ALTER TABLE users ADD COLUMN last_login timestamp — Options: Approve / Reject",
      tag,
      actions: [
        { action: "answer-0", title: "Approve" },
        { action: "answer-1", title: "Reject" },
      ],
      data: {
        url: `/#/sessions/${sid}`,
        kind: "approval",
        session_id: sid,
        approval_id: approval.request_id,
        options: ["Approve", "Reject"],
      },
    });
    const click = `${PUBLIC_URL}/#/sessions/${sid}`;
    const [asked] = (await ntfy.waitForMessages(ntfyBefore + 1)).slice(ntfyBefore);
    expect(asked).toEqual(
      expect.objectContaining({
        topic: "tether-alerts",
        sequence_id: tag,
        title: "refactor auth: Run the migration?",
        message: "ALTER TABLE users ADD COLUMN last_login timestamp — Options: Approve / Reject",
        click,
        priority: 4,
        authorization: `Bearer ${NTFY_TOKEN}`,
      }),
    );
    expect(asked!.actions).toEqual([
      expect.objectContaining({ action: "http", label: "Approve", method: "POST" }),
      expect.objectContaining({ action: "http", label: "Reject", method: "POST" }),
      expect.objectContaining({ action: "view", label: "Open", url: click }),
    ]);

    // Answered here: the phone hears that the question is closed.
    const resolved = await t.api("POST", `/api/approvals/${approval.request_id}/resolve`, {
      option: "Approve",
    });
    expect(resolved.status).toBe(200);
    const [closing] = (await push.waitForDelivered(browser.id, before + 2)).slice(before + 1);
    expect(closing!.headers.urgency).toBe("normal");
    expect(closing!.payload).toEqual({
      type: "resolved",
      title: "refactor auth: Run the migration?",
      body: "Answered Approve (api)",
      tag,
      data: {
        url: `/#/sessions/${sid}`,
        kind: "resolved",
        session_id: sid,
        approval_id: approval.request_id,
      },
    });
    const [update] = (await ntfy.waitForMessages(ntfyBefore + 2)).slice(ntfyBefore + 1);
    expect(update).toMatchObject({
      sequence_id: tag,
      message: "Answered Approve (api)",
      priority: 2,
      actions: [],
    });
    await waitFor(() => ntfy.clears.some((c) => c.sequence_id === tag));

    // Keep working and talking (no notification for any of it), then finish the turn.
    await ask("status", { status: "executing" });
    await ask("output", { text: "Migration applied.\nAll 212 tests pass; shall I open a PR?" });
    await ask("status", { status: "done" });

    const [waiting] = (await push.waitForDelivered(browser.id, before + 3)).slice(before + 2);
    expect(waiting!.headers.urgency).toBe("normal");
    expect(waiting!.payload).toEqual({
      title: "refactor auth is waiting for you",
      body: "Migration applied. All 212 tests pass; shall I open a PR?",
      tag: `waiting-${sid}`,
      actions: [
        { action: "reply", type: "text", title: "Reply", placeholder: "Reply to the agent…" },
      ],
      data: {
        url: `/#/sessions/${sid}`,
        kind: "awaiting_input",
        session_id: sid,
        approval_id: null,
      },
    });
    const [waitingNtfy] = (await ntfy.waitForMessages(ntfyBefore + 3)).slice(ntfyBefore + 2);
    expect(waitingNtfy).toEqual(
      expect.objectContaining({
        sequence_id: `waiting-${sid}`,
        title: "refactor auth is waiting for you",
        message: "Migration applied. All 212 tests pass; shall I open a PR?",
        click,
        priority: 3,
        actions: [{ action: "view", label: "Reply", url: `${click}?reply=1`, clear: true }],
      }),
    );

    // A later notification arrives after all of the above: nothing else was sent in between,
    // for the output or the status changes.
    await ask("status", { status: "thinking" });
    await ask("output", { text: "Opening the PR" });
    await ask("approval", { title: "Push to origin?" });
    const all = (await push.waitForDelivered(browser.id, before + 4)).slice(before);
    expect(all.map((p) => (p.payload as { title: string }).title)).toEqual([
      "refactor auth: Run the migration?",
      "refactor auth: Run the migration?",
      "refactor auth is waiting for you",
      "refactor auth: Push to origin?",
    ]);
    const allNtfy = (await ntfy.waitForMessages(ntfyBefore + 4)).slice(ntfyBefore);
    expect(allNtfy.map((m) => m.title)).toEqual(
      all.map((p) => (p.payload as { title: string }).title),
    );
  });

  it("does not notify when the human interrupts, nor for an approval withdrawn at once", async () => {
    const sid = await externalSession("quiet one");
    const before = push.delivered(browser.id).length;
    await t.api("POST", `/external/sessions/${sid}/status`, { status: "thinking" });
    await t.api("POST", `/api/sessions/${sid}/interrupt`, {});
    await t.api("POST", `/external/sessions/${sid}/status`, { status: "done" });
    // The marker: a notification that must come, and come first.
    await t.api("POST", `/external/sessions/${sid}/approval`, { title: "Marker?" });
    const [marker] = (await push.waitForDelivered(browser.id, before + 1)).slice(before);
    expect((marker!.payload as { title: string }).title).toBe("quiet one: Marker?");
  });

  it("sends a test notification to every subscription and ntfy on request", async () => {
    const before = push.delivered(browser.id).length;
    const res = await t.api("POST", "/api/push/test");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      subscriptions: 1,
      delivered: 1,
      removed: 0,
      failed: 0,
      ntfy: "delivered",
    });
    const [test] = push.delivered(browser.id).slice(before);
    expect(test!.payload).toMatchObject({ title: "Tether notifications work", data: { url: "/" } });
    expect(ntfy.messages.at(-1)).toMatchObject({ click: `${PUBLIC_URL}/` });
  });
});
