// Answering from the notification, in real headless Chromium: the daemon's push (encrypted for a
// subscription, decrypted by the fake push service as a browser would) is handed to the web app's
// service worker over Chromium's DevTools protocol, exactly as a push service would deliver it,
// and shown. Headless Chromium has no notification centre to tap, so a tap is the service
// worker's own `notificationclick` handler run on the shown notification (a NotificationEvent
// dispatched in the worker over the DevTools protocol); everything after it is real: the worker's
// fetch with the pairing cookie, the daemon's checks, the agent's long poll.
import { mkdirSync } from "node:fs";
import type { BrowserContext, CDPSession, Page, Worker } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { type FakePushService, startFakePushService } from "../fakes/push-service.js";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { type ApiResponse, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "web-push-actions-token-4b1d-0123456789abcdef01234567";
const skip = browserSkipReason();
/** A push DevTools hands to a worker Chromium is just stopping or restarting can be dropped,
 * where a push service would retry: handed over again after this long without effect. */
const REDELIVER_MS = 3_000;

interface Shown {
  title: string;
  body: string;
  tag: string;
  actions: { action: string; title: string; type?: string; placeholder?: string }[];
  data: { kind?: string; url?: string; options?: string[] };
}

interface Rig {
  t: TestDaemon;
  push: FakePushService;
  subscription: string;
  page: Page;
  context: BrowserContext;
  /** What the paired browser is recorded as: `web:<device>`. */
  actor: string;
  /** Hands `payload` to the service worker until `done` holds. */
  deliverUntil<T>(payload: unknown, done: () => Promise<T | false | undefined>): Promise<T>;
  notifications(tag?: string): Promise<Shown[]>;
  /** Taps `tag`'s notification: its body (no action) or one of its buttons. */
  tap(tag: string, action: string, reply?: string): Promise<void>;
}

let phone: PhoneBrowser | undefined;
let daemon: TestDaemon | undefined;
let pushService: FakePushService | undefined;

afterEach(async () => {
  await phone?.close();
  await daemon?.close();
  await pushService?.close();
  phone = daemon = pushService = undefined;
});

async function setUp(): Promise<Rig> {
  const push = await startFakePushService();
  pushService = push;
  // The fake push service listens on 127.0.0.1.
  const t = await startTestDaemon({ token: TOKEN, env: { TETHER_PUSH_ALLOW_PRIVATE: "1" } });
  daemon = t;
  push.vapidPublicKey = (await t.api("GET", "/api/push/vapid-public-key")).body.public_key;
  const sub = push.subscribe();
  expect((await t.api("POST", "/api/push/subscriptions", sub)).status).toBe(201);

  phone = await openPhone();
  const { context, page } = phone;
  await context.grantPermissions(["notifications"], { origin: t.url });
  const paired = page.waitForResponse((r) => r.url().endsWith("/api/pair"));
  await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
  const actor = ((await (await paired).json()) as { actor: string }).actor;
  await page.getByRole("heading", { name: "Needs you" }).waitFor();
  await page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }
    ).navigator.serviceWorker.ready.then(() => undefined),
  );
  const inWorker = workerRunner(context, page, new URL(t.url).origin);

  const cdp: CDPSession = await context.newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const live = registrations.find((r) => !r.isDeleted);
      if (live) resolve(live.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  const registration = await registrationId;
  const origin = new URL(t.url).origin;

  const notifications = (tag?: string) =>
    inWorker((w) =>
      w.evaluate(async (tag) => {
        const sw = globalThis as unknown as {
          registration: { getNotifications(o?: { tag: string }): Promise<Shown[]> };
        };
        const all = await sw.registration.getNotifications(tag === undefined ? undefined : { tag });
        return all.map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          actions: [...n.actions].map((a) => ({ ...a })),
          data: n.data,
        }));
      }, tag),
    );

  return {
    t,
    push,
    subscription: sub.id,
    page,
    context,
    actor,
    notifications,
    async deliverUntil(payload, done) {
      let handedOver = 0;
      let at = 0;
      return waitFor(
        async () => {
          if (Date.now() - at > REDELIVER_MS) {
            at = Date.now();
            handedOver++;
            await cdp.send("ServiceWorker.deliverPushMessage", {
              origin,
              registrationId: registration,
              data: JSON.stringify(payload),
            });
          }
          return done();
        },
        {
          timeoutMs: 20_000,
          intervalMs: 50,
          what: () => `the service worker to act on the push (handed over ${handedOver} times)`,
        },
      );
    },
    tap: (tag, action, reply) =>
      inWorker((w) =>
        w.evaluate(
          async ({ tag, action, reply }) => {
            const sw = globalThis as unknown as {
              registration: { getNotifications(o: { tag: string }): Promise<unknown[]> };
              dispatchEvent(e: unknown): boolean;
              NotificationEvent: new (type: string, init: unknown) => object;
            };
            // A push handed over again (deliverUntil, on a slow machine) replaces the
            // notification with its twin, and for a moment there is none: waited out.
            const deadline = Date.now() + 5000;
            let [notification] = await sw.registration.getNotifications({ tag });
            while (!notification && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 50));
              [notification] = await sw.registration.getNotifications({ tag });
            }
            if (!notification) throw new Error(`no notification tagged ${tag}`);
            const event = new sw.NotificationEvent("notificationclick", { notification, action });
            // The inline reply's text, as the browser hands it over with the click.
            if (reply !== undefined) Object.defineProperty(event, "reply", { value: reply });
            // A script-made event cannot take waitUntil (the handler's work has started when it
            // throws), which a real tap can: the error is the handler's, not the test's.
            try {
              sw.dispatchEvent(event);
            } catch {}
          },
          { tag, action, reply },
        ),
      ),
  };
}

/**
 * Runs `run` on the app's service worker. Chromium stops an idle worker (sooner on a loaded
 * machine) and starts it again for the next event, which makes it another target: a call that
 * meets a stopped one wakes the worker (a message from the page, when the page is the app's)
 * and runs again there.
 */
function workerRunner(context: BrowserContext, page: Page, origin: string) {
  const live = async (): Promise<Worker> => {
    const running = context.serviceWorkers().find((w) => w.url().startsWith(origin));
    if (running) return running;
    const started = context.waitForEvent("serviceworker", { timeout: 10_000 });
    if (page.url().startsWith(origin)) {
      await page
        .evaluate(() =>
          (
            globalThis as unknown as {
              navigator: {
                serviceWorker: { ready: Promise<{ active: { postMessage(m: string): void } }> };
              };
            }
          ).navigator.serviceWorker.ready.then((r) => r.active.postMessage("wake")),
        )
        .catch(() => {});
    }
    return started;
  };
  return async <R>(run: (worker: Worker) => Promise<R>): Promise<R> => {
    for (let attempt = 1; ; attempt++) {
      const worker = await live();
      try {
        return await run(worker);
      } catch (error) {
        const gone = /closed|destroyed|detached/i.test(String(error));
        if (!gone || attempt >= 3) throw error;
        await waitFor(() => !context.serviceWorkers().includes(worker), {
          timeoutMs: 5_000,
          what: "the stopped service worker's target to go",
        });
      }
    }
  };
}

async function externalSession(t: TestDaemon, name: string): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "builder" },
    session_name: name,
  });
  expect(res.status).toBe(200);
  return res.body.session_id as string;
}

/** The push the daemon sent whose payload matches `where`, once it has. */
async function sentPush(rig: Rig, where: (p: Record<string, unknown>) => boolean) {
  const found = await waitFor(
    () =>
      rig.push
        .delivered(rig.subscription)
        .map((d) => d.payload as Record<string, unknown>)
        .find(where),
    { what: "the daemon's push" },
  );
  return found;
}

/** The agent's long poll for what the human said or decided. */
function agentPoll(t: TestDaemon, sessionId: string): Promise<ApiResponse> {
  return t.api("GET", `/external/sessions/${sessionId}/input?timeout=30`);
}

async function saveScreen(page: Page, name: string) {
  mkdirSync(new URL("../../test-artifacts/screens/", import.meta.url), { recursive: true });
  await screenshot(page, `screens/${name}`);
}

describe.skipIf(skip !== undefined)(
  skip ? `answering from the notification (skipped: ${skip})` : "answering from the notification",
  () => {
    it("an approval's Approve button answers it from the service worker; the agent hears web:<device>", {
      retry: 1,
    }, async () => {
      const rig = await setUp();
      const sid = await externalSession(rig.t, "deploy");
      const asked = await rig.t.api("POST", `/external/sessions/${sid}/approval`, {
        title: "Ship it?",
        options: ["Approve", "Reject", "Ask me later"],
      });
      const approvalId = asked.body.request_id as string;
      const tag = `approval-${approvalId}`;
      const payload = await sentPush(rig, (p) => p.tag === tag);
      expect(payload).toMatchObject({
        actions: [
          { action: "answer-0", title: "Approve" },
          { action: "answer-1", title: "Reject" },
        ],
        data: { kind: "approval", approval_id: approvalId, options: ["Approve", "Reject"] },
      });

      const [shown] = await rig.deliverUntil(payload, async () => {
        const n = await rig.notifications(tag);
        return n.length > 0 && n;
      });
      expect(shown!.actions.map((a) => [a.action, a.title])).toEqual([
        ["answer-0", "Approve"],
        ["answer-1", "Reject"],
      ]);

      // The agent is waiting on its long poll when the button is tapped.
      const poll = agentPoll(rig.t, sid);
      await rig.tap(tag, "answer-0");
      const heard = await poll;
      expect(heard.status).toBe(200);
      expect(heard.body).toMatchObject({
        type: "approval_response",
        data: { request_id: approvalId, option: "Approve", decided_by: rig.actor },
      });
      expect(rig.actor).toMatch(/^web:/);
      const approval = (await rig.t.api("GET", `/api/approvals/${approvalId}`)).body;
      expect(approval).toMatchObject({ status: "resolved", decision: "Approve" });
      expect(approval.decided_by).toBe(rig.actor);

      // The question gives way to a quiet line saying it was taken; the app was never opened.
      const [done] = await waitFor(async () => {
        const n = await rig.notifications(tag);
        return n[0]?.data.kind === "answered" && n;
      });
      expect(done).toMatchObject({ title: "Approve ✓", body: "deploy: Ship it?", actions: [] });
      expect(new URL(rig.page.url()).hash).toBe("#/");
      await rig.page.goto(`${rig.t.url}/#/sessions/${sid}`);
      await rig.page.getByText(`by ${rig.actor}`).first().waitFor();
      await saveScreen(rig.page, "notification-answered-session");
    });

    it("a button tapped after the approval was answered elsewhere says who answered", {
      retry: 1,
    }, async () => {
      const rig = await setUp();
      const sid = await externalSession(rig.t, "migrate");
      const asked = await rig.t.api("POST", `/external/sessions/${sid}/approval`, {
        title: "Run the migration?",
      });
      const approvalId = asked.body.request_id as string;
      const tag = `approval-${approvalId}`;
      const payload = await sentPush(rig, (p) => p.tag === tag && p.type === undefined);
      await rig.deliverUntil(payload, async () => (await rig.notifications(tag)).length > 0);

      const first = await rig.t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "cli:alice",
      });
      expect(first.status).toBe(200);
      await rig.tap(tag, "answer-0");
      const [failed] = await waitFor(async () => {
        const n = await rig.notifications(tag);
        return n[0]?.data.kind === "failed" && n;
      });
      expect(failed!.title).toBe("Not answered: migrate: Run the migration?");
      expect(failed!.body).toBe("Already answered by cli:alice: Reject.");
      const approval = (await rig.t.api("GET", `/api/approvals/${approvalId}`)).body;
      expect(approval).toMatchObject({ decision: "Reject", decided_by: "cli:alice" });
    });

    it("a button tapped in a browser no longer paired says so, and answers nothing", {
      retry: 1,
    }, async () => {
      const rig = await setUp();
      const sid = await externalSession(rig.t, "seed");
      await rig.context.clearCookies();
      const again = await rig.t.api("POST", `/external/sessions/${sid}/approval`, {
        title: "Seed the data?",
      });
      const againTag = `approval-${again.body.request_id}`;
      const againPayload = await sentPush(rig, (p) => p.tag === againTag);
      await rig.deliverUntil(againPayload, async () => (await rig.notifications(againTag)).length);
      await rig.tap(againTag, "answer-0");
      const [unpaired] = await waitFor(async () => {
        const n = await rig.notifications(againTag);
        return n[0]?.data.kind === "failed" && n;
      });
      expect(unpaired!.body).toMatch(/no longer paired/);
      expect((await rig.t.api("GET", `/api/approvals/${again.body.request_id}`)).body.status).toBe(
        "pending",
      );
    });

    it("a push saying the approval was answered elsewhere closes its notification", {
      retry: 1,
    }, async () => {
      const rig = await setUp();
      const sid = await externalSession(rig.t, "release");
      const ask = async (title: string) => {
        const res = await rig.t.api("POST", `/external/sessions/${sid}/approval`, { title });
        const id = res.body.request_id as string;
        const payload = await sentPush(rig, (p) => p.tag === `approval-${id}` && !p.type);
        await rig.deliverUntil(
          payload,
          async () => (await rig.notifications(`approval-${id}`)).length > 0,
        );
        return id;
      };
      const resolved = async (id: string) => {
        const res = await rig.t.api("POST", `/api/approvals/${id}/resolve`, {
          option: "Approve",
          decided_by: "cli:alice",
        });
        expect(res.status).toBe(200);
        return sentPush(rig, (p) => p.tag === `approval-${id}` && p.type === "resolved");
      };

      // With the app open on the phone, the question simply goes.
      const tagged = await ask("Tag v2.0?");
      const closing = await resolved(tagged);
      expect(closing).toEqual({
        type: "resolved",
        title: "release: Tag v2.0?",
        body: "Answered Approve (cli:alice)",
        tag: `approval-${tagged}`,
        data: expect.objectContaining({ kind: "resolved", approval_id: tagged }),
      });
      await rig.deliverUntil(
        closing,
        async () => (await rig.notifications(`approval-${tagged}`)).length === 0,
      );

      // With nothing of Tether's left on screen, a push must still show something (Chrome's
      // userVisibleOnly rule): the question gives way to a quiet line saying how it ended.
      const published = await ask("Publish to npm?");
      await rig.page.goto("about:blank");
      const closing2 = await resolved(published);
      const [line] = await rig.deliverUntil(closing2, async () => {
        const n = await rig.notifications(`approval-${published}`);
        return n[0]?.data.kind === "answered" && n;
      });
      expect(line).toMatchObject({
        title: "release: Publish to npm?",
        body: "Answered Approve (cli:alice)",
        actions: [],
      });
      expect(await rig.notifications()).toHaveLength(1);
    });

    it("waiting for input offers a reply: typed in the notification it reaches the agent, else the composer opens", {
      retry: 1,
    }, async () => {
      const rig = await setUp();
      const sid = await externalSession(rig.t, "refactor");
      const report = (body: unknown) =>
        rig.t.api(
          "POST",
          `/external/sessions/${sid}/${"text" in (body as object) ? "output" : "status"}`,
          body,
        );
      await report({ status: "thinking" });
      await report({ text: "All green. Shall I open a PR?" });
      await report({ status: "done" });
      const tag = `waiting-${sid}`;
      const payload = await sentPush(rig, (p) => p.tag === tag);
      expect(payload).toMatchObject({
        actions: [
          { action: "reply", type: "text", title: "Reply", placeholder: "Reply to the agent…" },
        ],
        data: { kind: "awaiting_input", session_id: sid },
      });
      const [shown] = await rig.deliverUntil(payload, async () => {
        const n = await rig.notifications(tag);
        return n.length > 0 && n;
      });
      // Chromium keeps the inline reply's type and placeholder (it shows a text field where the
      // platform's notifications can: Android, Windows, Linux).
      expect(shown!.actions).toEqual([
        {
          action: "reply",
          type: "text",
          title: "Reply",
          placeholder: "Reply to the agent…",
          icon: "",
        },
      ]);

      const poll = agentPoll(rig.t, sid);
      await rig.tap(tag, "reply", "Yes, open it");
      const heard = await poll;
      expect(heard.body).toMatchObject({ type: "human_input", data: { text: "Yes, open it" } });
      const events = (await rig.t.api("GET", `/api/sessions/${sid}/events`)).body.events as {
        type: string;
        data: { text?: string; sender?: string };
      }[];
      expect(events.find((e) => e.type === "human_input")?.data).toMatchObject({
        text: "Yes, open it",
        sender: rig.actor,
      });
      await waitFor(async () => (await rig.notifications(tag))[0]?.data.kind === "answered");

      // Where the browser has no inline reply, the same button opens the session with the
      // composer focused.
      await rig.page.goto(`${rig.t.url}/#/`);
      await rig.page.getByRole("heading", { name: "Needs you" }).waitFor();
      await report({ status: "thinking" });
      await report({ status: "done" });
      const second = await waitFor(() => {
        const all = rig.push
          .delivered(rig.subscription)
          .map((d) => d.payload as Record<string, unknown>)
          .filter((p) => p.tag === tag);
        return all.length >= 2 && all[1];
      });
      await rig.deliverUntil(second, async () => {
        const n = await rig.notifications(tag);
        return n[0]?.data.kind === "awaiting_input";
      });
      await rig.tap(tag, "reply");
      await waitFor(async () =>
        rig.page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { id: string } | null } })
              .document.activeElement?.id === "input-text",
        ),
      );
      expect(new URL(rig.page.url()).hash).toBe(`#/sessions/${sid}`);
      await saveScreen(rig.page, "notification-reply-composer");
    });
  },
);
