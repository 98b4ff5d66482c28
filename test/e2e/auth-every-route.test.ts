// Every route the daemon registers — HTTP, SSE and WebSocket — requires the token when one is
// set (DESIGN.md §6). The routes are enumerated from the running daemon, so a route added later
// is checked without anyone remembering to list it here.
//
// The exceptions, by design: the web app's files (WEB_ROUTES in src/server/web.ts: `/`, the
// shell's few files and `/assets/*`) are public, because the token screen is one of them and must
// load before a token is known. They hold no data; everything they show comes from /api, which
// stays protected, unknown /api and /external paths included. And pairing (POST /api/pair,
// which checks the token it is given, and POST /api/logout, which only clears a cookie). And
// liveness, GET /api/live: a bare `{"status":"ok"}` to anyone who can reach the daemon, with any
// credential or none; the details (version, counts) stay on /api/health, behind the token. And
// an answer link, POST /api/answer/<capability> (an ntfy button): the capability in its URL is
// its only credential, so without a valid one it is refused (403) whatever token comes with it.
//
// Each route's requests come from a loopback source address of their own, so the wrong tokens
// this test sends on purpose are not throttled as one client's (that is tested in guards).

import { createECDH, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WEB_ROUTES } from "../../dist/server/web.js";
import {
  callApi,
  type SpawnedDaemon,
  spawnDaemon,
  startTestDaemon,
  type TestDaemon,
  tempDir,
} from "../helpers/daemon.js";
import { freshLoopbackSource, rawRequest } from "../helpers/raw-http.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "auth-test-token-5f2c9a-0123456789abcdef0123456789";
const WRONG = "auth-test-token-wrong1";

interface Route {
  method: string;
  url: string;
  websocket: boolean;
}

interface Fixtures {
  sessionId: string;
  approvalId: string;
}

/** A browser's push subscription, to a port nothing listens on: a test push fails at once. */
const SUBSCRIPTION = {
  // A public https host (push endpoints must be); .invalid never resolves, so nothing is sent.
  endpoint: "https://push.invalid/push/auth-test",
  keys: {
    p256dh: createECDH("prime256v1").generateKeys().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  },
};

/** What a request with the right token gets, for the routes known today. A route missing from
 * this table is still checked for auth; it only has to answer something other than 401. */
const KNOWN: Record<
  string,
  {
    status: number;
    /** When dev mode answers otherwise. */
    devStatus?: number;
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  }
> = {
  "GET /api/docs": { status: 200 },
  "GET /api/docs/static/index.html": { status: 302 },
  "GET /api/docs/static/swagger-initializer.js": { status: 200 },
  "GET /api/docs/json": { status: 200 },
  "GET /api/docs/yaml": { status: 200 },
  "GET /api/docs/static/*": { status: 200 },
  "POST /external/sessions": { status: 200, body: { agent_metadata: { name: "auth" } } },
  "POST /external/sessions/:id/output": { status: 200, body: { text: "hello" } },
  "POST /external/sessions/:id/approval": { status: 200, body: { title: "Deploy?" } },
  "POST /external/sessions/:id/status": { status: 200, body: { status: "thinking" } },
  "GET /external/sessions/:id/input": { status: 200, query: { timeout: "0" } },
  "GET /external/sessions/:id/ws": { status: 101 },
  "GET /api/sessions": { status: 200 },
  "POST /api/sessions": { status: 201, body: { name: "auth-new", kind: "external" } },
  "GET /api/sessions/:id": { status: 200 },
  "PATCH /api/sessions/:id": { status: 200, body: { name: "renamed" } },
  "DELETE /api/sessions/:id": { status: 204 },
  // The fixture is an external session, which its own agent starts: a 409 from the handler.
  "POST /api/sessions/:id/start": { status: 409, body: {} },
  "POST /api/sessions/:id/input": { status: 200, body: { text: "more" } },
  "POST /api/sessions/:id/interrupt": { status: 200, body: {} },
  "GET /api/approvals": { status: 200 },
  "GET /api/sessions/:id/approvals": { status: 200 },
  "GET /api/approvals/:id": { status: 200 },
  "POST /api/approvals/:id/resolve": { status: 200, body: { option: "Approve" } },
  "GET /api/sessions/:id/events": { status: 200 },
  "GET /api/sessions/:id/stream": { status: 200 },
  "GET /api/stream": { status: 200 },
  "GET /api/sessions/:id/ws": { status: 101 },
  "GET /api/ws": { status: 101 },
  "GET /api/health": { status: 200 },
  "GET /api/live": { status: 200 },
  "GET /api/usage": { status: 200 },
  "GET /api/openapi.json": { status: 200 },
  "GET /api/push/vapid-public-key": { status: 200 },
  "GET /api/push/subscriptions": { status: 200 },
  "POST /api/push/subscriptions": { status: 201, body: SUBSCRIPTION },
  "DELETE /api/push/subscriptions": { status: 204, body: { endpoint: SUBSCRIPTION.endpoint } },
  "POST /api/push/test": { status: 200 },
  // No bridge runs in this daemon: nothing to pair with or revoke on.
  "GET /api/bridges": { status: 200 },
  "POST /api/bridges/:name/pairing-code": { status: 404 },
  "DELETE /api/bridges/:name/users/:user_id": { status: 404 },
  // MCP over Streamable HTTP (stateless): a JSON-RPC request, from a client that accepts both
  // answer formats as the transport requires; GET and DELETE have nothing to do without sessions.
  "POST /mcp": {
    status: 200,
    body: { jsonrpc: "2.0", id: 1, method: "ping" },
    headers: { accept: "application/json, text/event-stream" },
  },
  "GET /mcp": { status: 405 },
  "POST /api/pair": { status: 200, devStatus: 409, body: { token: TOKEN } },
  "POST /api/logout": { status: 204 },
  "DELETE /mcp": { status: 405 },
};

const keyOf = (r: Route) => `${r.method} ${r.url}`;

/** The web app's routes: public by design (see the top of this file). */
const PUBLIC_WEB = new Set([...WEB_ROUTES].map((url) => `GET ${url}`));
const isPublic = (r: Route) => PUBLIC_WEB.has(keyOf(r));
const PAIRING = new Set(["POST /api/pair", "POST /api/logout"]);
const isPairing = (r: Route) => PAIRING.has(keyOf(r));
const LIVE = "GET /api/live";
const isLive = (r: Route) => keyOf(r) === LIVE;
const ANSWER_LINK = "POST /api/answer/:capability";
const isAnswerLink = (r: Route) => keyOf(r) === ANSWER_LINK;

/** A running session with a pending approval and a queued input, so every route has something
 * real to act on. Each check makes its own, so a DELETE or a resolve cannot affect another. */
async function fixtures(t: TestDaemon): Promise<Fixtures> {
  const created = await t.api("POST", "/external/sessions", { agent_metadata: { name: "fx" } });
  expect(created.status).toBe(200);
  const sessionId = created.body.session_id as string;
  expect(
    (await t.api("POST", `/external/sessions/${sessionId}/status`, { status: "thinking" })).status,
  ).toBe(200);
  const approval = await t.api("POST", `/external/sessions/${sessionId}/approval`, {
    title: "Ok?",
  });
  expect(approval.status).toBe(200);
  expect((await t.api("POST", `/api/sessions/${sessionId}/input`, { text: "queued" })).status).toBe(
    200,
  );
  return { sessionId, approvalId: approval.body.request_id };
}

/** The route's URL with its parameters filled in: an approval id under /api/approvals/, a
 * session id elsewhere, and a real static file for a wildcard. */
function pathOf(route: Route, f: Fixtures): string {
  const id = route.url.startsWith("/api/approvals/") ? f.approvalId : f.sessionId;
  return route.url.replace(/:[A-Za-z_]\w*/g, id).replace(/\*$/, "index.css");
}

type Credential =
  | { via: "none" }
  | { via: "bearer" | "query"; token: string }
  /** A whole Cookie header; the browser also says where the request comes from (Origin). */
  | { via: "cookie"; cookie: string };

function withCredential(base: string, path: string, route: Route, cred: Credential) {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(KNOWN[keyOf(route)]?.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (cred.via === "bearer") headers.authorization = `Bearer ${cred.token}`;
  if (cred.via === "query") url.searchParams.set("token", cred.token);
  if (cred.via === "cookie") {
    headers.cookie = cred.cookie;
    headers.origin = base.replace(/^ws/, "http");
  }
  return { url, headers };
}

/** One HTTP request, from `from`; a streaming answer ends as soon as its headers arrive. */
async function hit(t: TestDaemon, route: Route, path: string, cred: Credential, from: string) {
  const { url, headers } = withCredential(t.url, path, route, cred);
  const body = KNOWN[keyOf(route)]?.body;
  const extraHeaders = KNOWN[keyOf(route)]?.headers ?? {};
  const res = await rawRequest(url, {
    method: route.method,
    localAddress: from,
    headers: {
      ...extraHeaders,
      ...headers,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, type: String(res.headers["content-type"] ?? ""), text: res.text };
}

/** A WebSocket handshake: opened, or refused with an HTTP status and body (and whether the
 * daemon then closed the connection by itself, as it must: a refused client may not hold it). */
function handshake(
  t: TestDaemon,
  route: Route,
  path: string,
  cred: Credential,
  from: string,
): Promise<
  { opened: true } | { opened: false; status: number; text: string; closedByDaemon: boolean }
> {
  const { url, headers } = withCredential(t.wsUrl, path, route, cred);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, localAddress: from });
    ws.once("open", () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once("unexpected-response", (req, res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d.toString();
      });
      res.on("end", () => {
        const socket = req.socket;
        const done = (closedByDaemon: boolean) => {
          clearTimeout(timer);
          req.destroy();
          resolve({ opened: false, status: res.statusCode ?? 0, text, closedByDaemon });
        };
        const timer = setTimeout(() => done(false), 5_000);
        if (!socket || socket.destroyed) done(true);
        else socket.once("close", () => done(true));
      });
    });
    ws.once("error", reject);
  });
}

function expectUnauthorized(res: { status: number; text: string }, what: string) {
  expect(res.status, what).toBe(401);
  const body = JSON.parse(res.text);
  expect(body, what).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  expect(body.error.message.length, what).toBeGreaterThan(0);
  expect(res.text, `${what}: the token must not be echoed`).not.toContain(TOKEN);
  expect(res.text, `${what}: the wrong token must not be echoed`).not.toContain(WRONG);
}

function wrongCredentials(port: number): Credential[] {
  const cookie = `tether_${port}`;
  return [
    { via: "bearer", token: WRONG },
    { via: "query", token: WRONG },
    // A device cookie not made with this token, a malformed one, and the old script-made
    // cookie that held the token itself: none is a credential.
    { via: "cookie", cookie: `theme=dark; ${cookie}=phone.${"A".repeat(43)}` },
    { via: "cookie", cookie: `${cookie}=%E0%A4%A` },
    { via: "cookie", cookie: `tether_token=${TOKEN}` },
    // A prefix or an extension of the right token is just as wrong.
    { via: "bearer", token: TOKEN.slice(0, -1) },
    { via: "bearer", token: `${TOKEN}x` },
  ];
}

/** The Cookie header of a browser paired through POST /api/pair. */
async function pairedCookie(t: TestDaemon): Promise<string> {
  const res = await fetch(`${t.url}/api/pair`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: TOKEN, device: "phone" }),
  });
  expect(res.status).toBe(200);
  const set = res.headers.get("set-cookie") ?? "";
  return `theme=dark; ${set.split(";")[0]}`;
}

// The route list comes from a running daemon, so the daemon starts while the tests are collected.
const t = await startTestDaemon({ token: TOKEN });
afterAll(() => t.close());
const routes: Route[] = t.daemon.routes;
const cookie = await pairedCookie(t);

describe("auth on every route", () => {
  it("enumerates the registered routes, including every known one", () => {
    expect(routes.length).toBeGreaterThan(0);
    const keys = new Set(routes.map(keyOf));
    for (const known of Object.keys(KNOWN)) expect(keys, known).toContain(known);
    expect(
      routes
        .filter((r) => r.websocket)
        .map(keyOf)
        .sort(),
    ).toEqual(["GET /api/sessions/:id/ws", "GET /api/ws", "GET /external/sessions/:id/ws"]);
  });

  for (const route of routes.filter(
    (r) => !r.websocket && !isPublic(r) && !isPairing(r) && !isLive(r) && !isAnswerLink(r),
  )) {
    it(`${keyOf(route)} needs the token`, async () => {
      const from = freshLoopbackSource();
      const f = await fixtures(t);
      const path = pathOf(route, f);
      expectUnauthorized(await hit(t, route, path, { via: "none" }, from), "no token");
      for (const cred of wrongCredentials(t.daemon.port)) {
        expectUnauthorized(
          await hit(t, route, path, cred, from),
          `wrong credential via ${cred.via}: ${JSON.stringify(cred)}`,
        );
      }

      const right: Credential[] = [
        { via: "bearer", token: TOKEN },
        { via: "query", token: TOKEN },
        { via: "cookie", cookie },
      ];
      for (const cred of right) {
        const via = cred.via;
        const fresh = await fixtures(t);
        const res = await hit(t, route, pathOf(route, fresh), cred, from);
        expect(res.status, `right token via ${via}: ${res.text.slice(0, 200)}`).not.toBe(401);
        expect(res.status, `right token via ${via}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
        const known = KNOWN[keyOf(route)];
        if (known)
          expect(res.status, `right token via ${via}: ${res.text.slice(0, 200)}`).toBe(
            known.status,
          );
      }
    });
  }

  it("GET /api/live says only that the daemon is up, to anyone, whatever credential comes", async () => {
    const route = routes.find(isLive)!;
    expect(route).toBeDefined();
    const from = freshLoopbackSource();
    const creds: Credential[] = [
      { via: "none" },
      ...wrongCredentials(t.daemon.port),
      { via: "bearer", token: TOKEN },
      { via: "cookie", cookie },
    ];
    for (const cred of creds) {
      const res = await hit(t, route, "/api/live", cred, from);
      expect(res.status, cred.via).toBe(200);
      // Exactly this: no version, no counts, nothing that differs with the credential.
      expect(JSON.parse(res.text), cred.via).toEqual({ status: "ok" });
    }
    // The Host and Origin checks still apply.
    const misdirected = await rawRequest(`${t.url}/api/live`, {
      localAddress: from,
      headers: { host: "evil.example" },
    });
    expect(misdirected.status).toBe(421);
    const crossSite = await rawRequest(`${t.url}/api/live`, {
      localAddress: from,
      headers: { origin: "http://evil.example" },
    });
    expect(crossSite.status).toBe(403);
  });

  it("POST /api/answer/:capability takes its capability only: a link not ours is 403 with any credential", async () => {
    const route = routes.find(isAnswerLink)!;
    expect(route).toBeDefined();
    const from = freshLoopbackSource();
    const f = await fixtures(t);
    const creds: Credential[] = [
      { via: "none" },
      ...wrongCredentials(t.daemon.port),
      { via: "bearer", token: TOKEN },
      { via: "query", token: TOKEN },
      { via: "cookie", cookie },
    ];
    for (const cred of creds) {
      const res = await hit(
        t,
        route,
        `/api/answer/${f.approvalId}.0.9999999999.${"A".repeat(22)}`,
        cred,
        from,
      );
      expect(res.status, cred.via).toBe(403);
      expect(JSON.parse(res.text).error.code, cred.via).toBe("answer_link_invalid");
    }
    expect((await t.api("GET", `/api/approvals/${f.approvalId}`)).body.status).toBe("pending");
  });

  it("a browser opening the API docs unpaired gets a page saying how to pair, not the docs", async () => {
    const from = freshLoopbackSource();
    for (const path of ["/api/docs", "/api/docs/"]) {
      const res = await rawRequest(new URL(t.url + path), {
        method: "GET",
        localAddress: from,
        headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
      });
      expect(res.status, path).toBe(401);
      expect(String(res.headers["content-type"]), path).toMatch(/^text\/html/);
      expect(res.text, path).toContain("tether pair");
      expect(res.text, path).not.toMatch(/swagger/i);
      expect(res.headers["content-security-policy"], path).toBeDefined();
    }
    // A script asking for JSON keeps the JSON error; a paired browser gets the docs.
    const docs: Route = { method: "GET", url: "/api/docs/", websocket: false };
    expectUnauthorized(await hit(t, docs, "/api/docs/", { via: "none" }, from), "docs, no Accept");
    const paired = await rawRequest(`${t.url}/api/docs/`, {
      localAddress: from,
      headers: { accept: "text/html", cookie, origin: t.url },
    });
    expect(paired.status).toBe(200);
    expect(paired.text).toMatch(/swagger/i);
  });

  for (const route of routes.filter((r) => r.websocket)) {
    it(`${keyOf(route)} (WebSocket) needs the token`, async () => {
      const from = freshLoopbackSource();
      const f = await fixtures(t);
      const path = pathOf(route, f);
      for (const cred of [{ via: "none" } as Credential, ...wrongCredentials(t.daemon.port)]) {
        const what =
          cred.via === "none"
            ? "handshake without token"
            : `handshake with wrong token via ${cred.via}`;
        const res = await handshake(t, route, path, cred, from);
        expect(res.opened, what).toBe(false);
        if (!res.opened) {
          expectUnauthorized(res, what);
          expect(res.closedByDaemon, `${what}: the daemon closes the refused connection`).toBe(
            true,
          );
        }
      }
      // A plain HTTP request to the same path is refused too.
      expectUnauthorized(
        await hit(t, route, path, { via: "none" }, from),
        "plain HTTP without token",
      );

      const right: Credential[] = [
        { via: "bearer", token: TOKEN },
        { via: "query", token: TOKEN },
        { via: "cookie", cookie },
      ];
      for (const cred of right) {
        const res = await handshake(t, route, path, cred, from);
        expect(res, `handshake with right credential via ${cred.via}`).toEqual({ opened: true });
      }
    });
  }
});

describe("the web app, public by design", () => {
  it("registers the public web routes, one for each file the web build puts at the top", () => {
    expect(routes.filter(isPublic).map(keyOf).sort()).toEqual([...PUBLIC_WEB].sort());
    const built = readdirSync(fileURLToPath(new URL("../../dist/web/", import.meta.url)), {
      withFileTypes: true,
    });
    for (const entry of built) {
      const url = entry.isDirectory() ? `/${entry.name}/*` : `/${entry.name}`;
      expect(WEB_ROUTES, url).toContain(url);
    }
  });

  it("serves the app shell and its files without a token, with cache headers", async () => {
    const shell = await fetch(`${t.url}/`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get("content-type")).toMatch(/^text\/html/);
    expect(shell.headers.get("cache-control")).toBe("no-cache");
    const html = await shell.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(t.url + script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    for (const file of ["/sw.js", "/manifest.webmanifest", "/icon-192.png"]) {
      const res = await fetch(t.url + file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("cache-control"), file).toBe("no-cache");
    }
    expect((await fetch(`${t.url}/assets/no-such-file.js`)).status).toBe(404);
  });

  it("leaves every /api and /external path behind the token, known or not", async () => {
    for (const path of ["/api/nope", "/api", "/external/nope", "/api/health?x=/", "/api/live/x"]) {
      const res = await fetch(t.url + path);
      expectUnauthorized({ status: res.status, text: await res.text() }, path);
    }
    const known = await callApi(t.url, TOKEN, "GET", "/api/nope");
    expect(known.status).toBe(404);
    expect(known.body.error.code).toBe("route_not_found");
  });
});

describe("without a token", () => {
  const started: TestDaemon[] = [];
  const spawned: SpawnedDaemon[] = [];
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((d) => d.kill()));
    await Promise.all(started.splice(0).map((d) => d.close()));
  });

  it("dev mode lets every route through without one", async () => {
    const dev = await startTestDaemon({ devMode: true });
    started.push(dev);
    expect(dev.daemon.authRequired).toBe(false);
    const health = await callApi(dev.url, undefined, "GET", "/api/health");
    expect(health.body).toMatchObject({ status: "ok", auth: false });

    const from = freshLoopbackSource();
    for (const route of dev.daemon.routes) {
      const f = await fixtures(dev);
      const path = pathOf(route, f);
      if (route.websocket) {
        expect(await handshake(dev, route, path, { via: "none" }, from), keyOf(route)).toEqual({
          opened: true,
        });
        continue;
      }
      const res = await hit(dev, route, path, { via: "none" }, from);
      expect(res.status, keyOf(route)).not.toBe(401);
      const known = KNOWN[keyOf(route)];
      if (known)
        expect(res.status, `${keyOf(route)}: ${res.text.slice(0, 200)}`).toBe(
          known.devStatus ?? known.status,
        );
    }
  });

  it("with neither a token nor dev mode set, generates a token and binds where configured", async () => {
    const guarded = await startTestDaemon({ host: "0.0.0.0" });
    started.push(guarded);
    expect(guarded.daemon.authRequired).toBe(true);
    expect(guarded.daemon.host).toBe("0.0.0.0");
    expect(guarded.daemon.loopbackReason).toBeUndefined();
    expect(guarded.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const base = `http://127.0.0.1:${guarded.daemon.port}`;
    expect((await callApi(base, undefined, "GET", "/api/health")).status).toBe(401);
    const health = await callApi(base, guarded.token, "GET", "/api/health");
    expect(health.body).toMatchObject({ status: "ok", auth: true });
  });

  it("binds where configured when a token is set", async () => {
    const guarded = await startTestDaemon({ host: "0.0.0.0", token: TOKEN });
    started.push(guarded);
    expect(guarded.daemon.host).toBe("0.0.0.0");
    expect(guarded.daemon.loopbackReason).toBeUndefined();
    const base = `http://127.0.0.1:${guarded.daemon.port}`;
    expect((await callApi(base, undefined, "GET", "/api/health")).status).toBe(401);
    expect((await callApi(base, TOKEN, "GET", "/api/health")).status).toBe(200);
  });

  it("`tether start` in dev mode says at start-up that it listens on loopback only", async () => {
    const dir = tempDir();
    try {
      const d = await spawnDaemon(dir.path, {
        TETHER_AGENT_HOST: "0.0.0.0",
        TETHER_AGENT_DEV_MODE: "1",
      });
      spawned.push(d);
      expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const note = await waitFor(() => /^note: .*$/m.exec(d.stderr())?.[0], {
        what: () => `the loopback note; stderr so far:\n${d.stderr()}`,
      });
      expect(note).toMatch(/dev mode.*127\.0\.0\.1 only/);
      expect(d.stderr()).toMatch(/WARNING: .*authentication is OFF/);
      expect(await d.kill("SIGTERM")).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
