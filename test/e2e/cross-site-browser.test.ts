// A real attacker, in real Chromium (issue 8, findings 1, 5, 6, 16): a browser paired with
// Tether (it holds the cookie) visits a page on another origin — another address (127.0.0.2)
// and another port of the same host (127.0.0.1:<other>, the same *site*, a dev server an agent
// started). In the same browser context the page tries every way to drive Tether: WebSockets
// (with and without ?token=), fetch in cors and no-cors mode, an <img> GET with a side effect, a
// form POST, and framing the app. Afterwards the API shows nothing changed. The same attempts
// from the paired app's own origin do work, so the test cannot pass because they never could.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSkipReason, openPhone, type PhoneBrowser } from "../helpers/browser.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "cross-site-browser-token-e41d07-0123456789abcdef0123456789";
const skip = browserSkipReason();

/** A page of the attacker's: blank, so everything it does comes from the test's script. */
async function attackerServer(host: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>totally harmless</title><p>hello</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { origin: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}

interface Target {
  sessionId: string;
  approvalId: string;
}

/** A running session with a pending approval and a human's message queued for its agent. */
async function target(t: TestDaemon, name: string): Promise<Target> {
  const created = await t.api("POST", "/external/sessions", { agent_metadata: { name } });
  const sessionId = created.body.session_id as string;
  await t.api("POST", `/external/sessions/${sessionId}/status`, { status: "thinking" });
  const approval = await t.api("POST", `/external/sessions/${sessionId}/approval`, {
    title: "Run rm -rf ~?",
    options: ["Approve", "Reject"],
  });
  expect(approval.status).toBe(200);
  const queued = await t.api("POST", `/api/sessions/${sessionId}/input`, { text: `for ${name}` });
  expect(queued.status).toBe(200);
  return { sessionId, approvalId: approval.body.request_id as string };
}

/** Every attempt, run in the page (a string: the tests' type-check has no DOM library). It
 * resolves to what the page could observe: which sockets opened, and fetch outcomes. */
const ATTACK = `async ({ base, ws, sessionId, approvalId, token }) => {
  const socket = (url) => new Promise((resolve) => {
    const s = new WebSocket(url);
    s.onopen = () => { s.send(JSON.stringify({ type: "resolve", request_id: approvalId, option: "Approve" })); resolve("open"); };
    s.onerror = () => resolve("refused");
  });
  const sockets = {};
  for (const path of ["/api/ws", "/api/sessions/" + sessionId + "/ws", "/external/sessions/" + sessionId + "/ws"]) {
    sockets[path] = await socket(ws + path);
    sockets[path + "?token"] = await socket(ws + path + "?token=" + token);
  }
  const attempt = (p) => p.then((r) => r.type === "opaque" ? "opaque" : String(r.status), () => "failed");
  const resolveUrl = base + "/api/approvals/" + approvalId + "/resolve";
  const fetches = {
    resolveCors: await attempt(fetch(resolveUrl, { method: "POST", credentials: "include",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ option: "Approve" }) })),
    resolveNoCors: await attempt(fetch(resolveUrl, { method: "POST", mode: "no-cors", credentials: "include",
      body: JSON.stringify({ option: "Approve" }) })),
    interruptNoCors: await attempt(fetch(base + "/api/sessions/" + sessionId + "/interrupt",
      { method: "POST", mode: "no-cors", credentials: "include" })),
  };
  const img = await new Promise((resolve) => {
    const i = new Image();
    i.onload = () => resolve("loaded");
    i.onerror = () => resolve("error");
    i.src = base + "/external/sessions/" + sessionId + "/input?timeout=0";
  });
  const form = await new Promise((resolve) => {
    const sink = document.createElement("iframe");
    sink.name = "sink";
    document.body.append(sink);
    // After the append: the empty frame's own about:blank load has fired by then.
    sink.onload = () => resolve("submitted");
    const f = document.createElement("form");
    f.method = "POST";
    f.action = base + "/api/sessions/" + sessionId + "/interrupt";
    f.target = "sink";
    document.body.append(f);
    f.submit();
  });
  await new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = "framed-app";
    frame.onload = () => resolve(undefined);
    frame.src = base + "/";
    document.body.append(frame);
  });
  return { sockets, fetches, img, form };
}`;

let t: TestDaemon;
let phone: PhoneBrowser | undefined;
const attackers: Server[] = [];

beforeAll(async () => {
  if (skip) return;
  t = await startTestDaemon({ token: TOKEN });
});
afterAll(async () => {
  await phone?.close();
  for (const s of attackers) await new Promise((r) => s.close(r));
  await t?.close();
});

async function stateOf(id: string): Promise<string> {
  const res = await t.api("GET", `/api/sessions/${id}`);
  expect(res.status).toBe(200);
  return res.body.state as string;
}

async function approvalStatus(id: string): Promise<string> {
  const res = await t.api("GET", `/api/approvals/${id}`);
  expect(res.status).toBe(200);
  return res.body.status as string;
}

/** The agent's queued messages, taken with the agent's own long poll (timeout=0). */
async function takeInput(id: string): Promise<string> {
  return (await t.api("GET", `/external/sessions/${id}/input?timeout=0`)).text;
}

const framedApp = (page: Page): Frame | null => page.frame({ name: "framed-app" });

describe.skipIf(skip !== undefined)(
  skip ? `cross-site attacks in Chromium (skipped: ${skip})` : "cross-site attacks in Chromium",
  () => {
    it("a page on another origin or another port cannot open a socket or change anything", async () => {
      phone = await openPhone();
      const { context, page } = phone;
      await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      expect((await context.cookies()).map((c) => c.name)).toEqual([`tether_${t.daemon.port}`]);

      const base = `http://127.0.0.1:${t.daemon.port}`;
      const ws = `ws://127.0.0.1:${t.daemon.port}`;
      for (const host of ["127.0.0.2", "127.0.0.1"]) {
        const attacker = await attackerServer(host);
        attackers.push(attacker.server);
        const victim = await target(t, `victim-${host}`);
        const evil = await context.newPage();
        const refusedFrames: string[] = [];
        evil.on("console", (m) => {
          if (/frame-ancestors|X-Frame-Options/i.test(m.text())) refusedFrames.push(m.text());
        });
        await evil.goto(`${attacker.origin}/`);
        const seen = await evil.evaluate(
          `(${ATTACK})(${JSON.stringify({ base, ws, token: TOKEN, ...victim })})`,
        );
        const what = `attacker at ${attacker.origin}: ${JSON.stringify(seen)}`;

        const { sockets, fetches } = seen as {
          sockets: Record<string, string>;
          fetches: Record<string, string>;
        };
        for (const [path, outcome] of Object.entries(sockets))
          expect(outcome, `${what} ${path}`).toBe("refused");
        // A CORS request is blocked or refused; the no-cors ones are opaque either way, so what
        // counts is below: the state over the API.
        expect(fetches.resolveCors, what).toBe("failed");

        // The framed app never ran: Chromium replaced it with its error page, and said why.
        await waitFor(() => framedApp(evil)?.url() === "chrome-error://chromewebdata/", {
          what: () =>
            `the framed app to be Chromium's error page; frames: ${evil.frames().map((f) => f.url())}`,
        });
        await waitFor(() => refusedFrames.length > 0, {
          what: () => `Chromium's frame refusal; ${what}`,
        });

        // Nothing changed: still pending, not interrupted, the human's message still queued.
        expect(await approvalStatus(victim.approvalId), what).toBe("pending");
        expect(await stateOf(victim.sessionId), what).toBe("running");
        expect(await takeInput(victim.sessionId), what).toContain(`for victim-${host}`);
        await evil.close();
      }

      // The control: the same attempts from the paired app's own page do work.
      const own = await target(t, "own");
      const seen = await page.evaluate(
        `(${ATTACK})(${JSON.stringify({ base, ws, token: TOKEN, ...own })})`,
      );
      const { sockets } = seen as { sockets: Record<string, string> };
      expect(sockets["/api/ws"], JSON.stringify(seen)).toBe("open");
      expect(
        sockets["/api/sessions/:id/ws".replace(":id", own.sessionId)],
        JSON.stringify(seen),
      ).toBe("open");
      await waitFor(async () => (await approvalStatus(own.approvalId)) === "resolved", {
        what: "the own page's resolve",
      });
      await waitFor(async () => (await stateOf(own.sessionId)) === "interrupting", {
        what: "the own page's interrupt",
      });
      // The <img> took the queued message: the side effect the guard keeps from other sites.
      expect(await takeInput(own.sessionId)).not.toContain("for own");
    });

    it("the app refuses to be framed, by its own headers", async () => {
      const res = await fetch(`${t.url}/`);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    });
  },
);
