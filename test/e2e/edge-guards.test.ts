// The door in front of every route (src/server/guard, DESIGN.md §6): a Host that is not ours
// gets 421 (DNS rebinding), a request a browser says comes from another site gets 403, in token
// mode and dev mode, HTTP and WebSocket alike; the web app pairs for an HttpOnly cookie; wrong
// credentials are throttled; every response carries the security headers. Routes are
// enumerated from the running daemon, so a route added later is covered without a list here.
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ANSWER_LINK_ROUTE } from "../../dist/server/routes/answer-links.js";
import { WEB_ROUTES } from "../../dist/server/web.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { freshLoopbackSource, type RawResponse, rawRequest } from "../helpers/raw-http.js";

const TOKEN = "edge-guard-test-token-3c1b9e-0123456789abcdef0123456789";

interface Route {
  method: string;
  url: string;
  websocket: boolean;
}

const keyOf = (r: Route) => `${r.method} ${r.url}`;
const isWebFile = (r: Route) => r.method === "GET" && WEB_ROUTES.has(r.url);
/** An answer link's URL is its only credential (no cookie rides on it), and ntfy's web app
 * calls it from its own origin: it takes cross-site requests, and checks the link itself. */
const isCapability = (r: Route) => r.method === "POST" && r.url === ANSWER_LINK_ROUTE;

/** A session with a pending approval, for the routes that take ids. */
async function fixtures(t: TestDaemon) {
  const created = await t.api("POST", "/external/sessions", { agent_metadata: { name: "edge" } });
  expect(created.status).toBe(200);
  const sessionId = created.body.session_id as string;
  const running = await t.api("POST", `/external/sessions/${sessionId}/status`, {
    status: "thinking",
  });
  expect(running.status).toBe(200);
  const approval = await t.api("POST", `/external/sessions/${sessionId}/approval`, {
    title: "Ok?",
  });
  expect(approval.status).toBe(200);
  return { sessionId, approvalId: approval.body.request_id as string };
}

function pathOf(route: Route, f: { sessionId: string; approvalId: string }): string {
  const id = route.url.startsWith("/api/approvals/") ? f.approvalId : f.sessionId;
  const path = route.url.replace(/:[A-Za-z_]\w*/g, id).replace(/\*$/, "index.css");
  // The agent's long poll answers at once with timeout=0.
  return route.url === "/external/sessions/:id/input" ? `${path}?timeout=0` : path;
}

/** A request to `route` with the right token (unless dev mode) and the given extra headers. */
function send(t: TestDaemon, route: Route, path: string, headers: Record<string, string>) {
  const body = route.method === "GET" || route.method === "HEAD" ? undefined : "{}";
  return rawRequest(t.url + path, {
    method: route.method,
    localAddress: freshLoopbackSource(),
    headers: {
      ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body ? { body } : {}),
  });
}

/** A WebSocket handshake: the HTTP status it was refused with, or 101. */
function handshake(url: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, localAddress: freshLoopbackSource() });
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, headers: {}, text: "" });
    });
    ws.once("unexpected-response", (req, res) => {
      let text = "";
      res.on("data", (d: Buffer) => {
        text += d.toString();
      });
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    ws.once("error", reject);
  });
}

function expectError(res: RawResponse, status: number, code: string, what: string) {
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBe(status);
  expect(JSON.parse(res.text), what).toEqual({ error: { code, message: expect.any(String) } });
}

const token = await startTestDaemon({ token: TOKEN });
const dev = await startTestDaemon({ devMode: true });
afterAll(async () => {
  await token.close();
  await dev.close();
});

for (const [mode, t] of [
  ["token mode", token],
  ["dev mode", dev],
] as const) {
  describe(`the Host check, ${mode}`, () => {
    const routes: Route[] = t.daemon.routes;
    const evil = `evil.example:${t.daemon.port}`;

    it("covers every route, WebSocket and /mcp", () => {
      const keys = routes.map(keyOf);
      expect(keys).toContain("POST /mcp");
      expect(keys).toContain("GET /api/ws");
      expect(keys).toContain("GET /");
      expect(routes.length).toBeGreaterThan(40);
    });

    for (const route of routes) {
      it(`${keyOf(route)} answers 421 to a foreign Host`, async () => {
        const path = pathOf(route, await fixtures(t));
        const res = route.websocket
          ? await handshake(t.wsUrl + path, {
              host: evil,
              ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
            })
          : await send(t, route, path, { host: evil });
        expectError(res, 421, "host_not_allowed", "foreign Host");
        expect(res.text).toContain("evil.example");
        expect(res.text).toContain("TETHER_ALLOWED_HOSTS");
        // The same request under our own name is served (not vacuous).
        const ours = route.websocket
          ? await handshake(t.wsUrl + path, t.token ? { authorization: `Bearer ${t.token}` } : {})
          : await send(t, route, path, {});
        expect(ours.status, `${keyOf(route)} under our own Host`).not.toBe(421);
        if (route.websocket) expect(ours.status).toBe(101);
      });
    }
  });

  describe(`the cross-site check, ${mode}`, () => {
    const routes: Route[] = t.daemon.routes;
    const refusals: Record<string, string>[] = [
      { origin: "http://evil.example" },
      // Another port of the same host: a dev server an agent started.
      { origin: `http://localhost:${t.daemon.port + 1}` },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];

    for (const route of routes) {
      it(`${keyOf(route)} refuses requests from other sites`, async () => {
        const path = pathOf(route, await fixtures(t));
        if (route.websocket) {
          for (const query of ["", `?token=${TOKEN}`]) {
            const res = await handshake(`${t.wsUrl}${path}${query}`, {
              origin: "http://127.0.0.2:9999",
              ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
            });
            expectError(res, 403, "cross_site_request", `foreign Origin${query}`);
          }
          const own = await handshake(t.wsUrl + path, {
            origin: t.url,
            ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
          });
          expect(own.status, "our own Origin").toBe(101);
          return;
        }
        for (const headers of refusals) {
          const res = await send(t, route, path, headers);
          // The web app's files are public and carry no secrets; a link from another site
          // (a pairing link in a chat) must open them. Framing is refused by the headers.
          if (isWebFile(route)) {
            expect(res.status, JSON.stringify(headers)).not.toBe(403);
            expect(res.status, JSON.stringify(headers)).toBeLessThan(500);
          } else if (isCapability(route)) {
            // The fixture's id is no answer link: refused by the link check, not the site check.
            expectError(res, 403, "answer_link_invalid", JSON.stringify(headers));
          } else expectError(res, 403, "cross_site_request", JSON.stringify(headers));
        }
      });
    }

    it("serves our own origin, a typed URL, and clients that send neither", async () => {
      const health = { method: "GET", url: "/api/health", websocket: false };
      const allowed: Record<string, string>[] = [
        {},
        { origin: t.url },
        { origin: `http://localhost:${t.daemon.port}` },
        { "sec-fetch-site": "same-origin" },
        { "sec-fetch-site": "none" },
      ];
      for (const headers of allowed) {
        expect(
          (await send(t, health, "/api/health", headers)).status,
          JSON.stringify(headers),
        ).toBe(200);
      }
      // A typed URL may read, but nothing a page did not make may write.
      const create = { method: "POST", url: "/external/sessions", websocket: false };
      const res = await send(t, create, "/external/sessions", { "sec-fetch-site": "none" });
      expectError(res, 403, "cross_site_request", "POST with Sec-Fetch-Site: none");
    });
  });
}

describe("names we answer to", () => {
  it("refuses a request without Host (HTTP/1.0)", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(token.daemon.port, "127.0.0.1");
      let got = "";
      socket.on("data", (d) => {
        got += d.toString();
      });
      socket.on("end", () => resolve(got));
      socket.on("error", reject);
      socket.write(`GET /api/health HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    });
    expect(text).toMatch(/^HTTP\/1\.[01] 421 /);
    expect(text).toContain("host_not_allowed");
  });

  it("serves loopback names, TETHER_ALLOWED_HOSTS and TETHER_PUBLIC_URL's host", async () => {
    const t = await startTestDaemon({
      token: TOKEN,
      env: {
        TETHER_ALLOWED_HOSTS: "tether.lan, My-Laptop.local",
        TETHER_PUBLIC_URL: "https://tether.example.com",
      },
    });
    try {
      const port = t.daemon.port;
      const health = { method: "GET", url: "/api/health", websocket: false };
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `127.0.0.2:${port}`,
        `[::1]:${port}`,
        `tether.lan:${port}`,
        `my-laptop.local:${port}`,
        "tether.example.com",
      ]) {
        expect((await send(t, health, "/api/health", { host })).status, host).toBe(200);
      }
      for (const host of [`tether.lan.evil.example:${port}`, `localhost.evil.example:${port}`]) {
        expectError(await send(t, health, "/api/health", { host }), 421, "host_not_allowed", host);
      }
      // Behind the reverse proxy, the public URL's origin is ours.
      const viaProxy = await send(t, health, "/api/health", {
        host: "tether.example.com",
        origin: "https://tether.example.com",
      });
      expect(viaProxy.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe("pairing", () => {
  const pair = (
    body: unknown,
    from = freshLoopbackSource(),
    headers: Record<string, string> = {},
  ) =>
    rawRequest(`${token.url}/api/pair`, {
      method: "POST",
      localAddress: from,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("refuses a wrong token and sets no cookie", async () => {
    const res = await pair({ token: "not-the-token-at-all" });
    expectError(res, 401, "unauthorized", "wrong token");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.text).not.toContain(TOKEN);
  });

  it("sets an HttpOnly, SameSite=Strict cookie named for the port, which then authenticates", async () => {
    const res = await pair({ token: TOKEN, device: "phone" });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ device: "phone", actor: "web:phone" });
    const [setCookie] = res.headers["set-cookie"] as string[];
    const attributes = setCookie!.split(";").map((a) => a.trim());
    const [nameValue] = attributes;
    expect(nameValue).toMatch(new RegExp(`^tether_${token.daemon.port}=phone\\.[A-Za-z0-9_-]+$`));
    expect(nameValue).not.toContain(TOKEN);
    expect(attributes).toEqual(
      expect.arrayContaining([
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        expect.stringMatching(/^Max-Age=\d+$/),
      ]),
    );
    expect(attributes).not.toContain("Secure"); // plain http on loopback

    const cookie = nameValue!;
    const fromPage = { cookie, origin: token.url };
    const sessions = await rawRequest(`${token.url}/api/sessions`, { headers: { cookie } });
    expect(sessions.status).toBe(200);
    const stream = await rawRequest(`${token.url}/api/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect((await handshake(`${token.wsUrl}/api/ws`, fromPage)).status).toBe(101);

    // A change made with the cookie alone must show it comes from our page.
    const f = await fixtures(token);
    const interrupt = `${token.url}/api/sessions/${f.sessionId}/interrupt`;
    const noProof = await rawRequest(interrupt, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expectError(noProof, 403, "cross_site_request", "cookie POST without Origin");
    expectError(
      await handshake(`${token.wsUrl}/api/ws`, { cookie }),
      403,
      "cross_site_request",
      "cookie WS without Origin",
    );
    const withProof = await rawRequest(interrupt, {
      method: "POST",
      headers: { ...fromPage, "content-type": "application/json" },
      body: "{}",
    });
    expect(withProof.status, withProof.text).toBe(200);

    // Logout clears it.
    const out = await rawRequest(`${token.url}/api/logout`, { method: "POST", headers: fromPage });
    expect(out.status).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(
      new RegExp(`^tether_${token.daemon.port}=; .*Max-Age=0`),
    );
  });

  it("marks the cookie Secure behind an HTTPS reverse proxy on this machine", async () => {
    const res = await pair({ token: TOKEN }, undefined, { "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
    expect(String(res.headers["set-cookie"])).toMatch(/; Secure/);
  });

  it("answers 409 in dev mode, where there is nothing to pair", async () => {
    const res = await rawRequest(`${dev.url}/api/pair`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "anything" }),
    });
    expectError(res, 409, "not_supported", "dev mode pairing");
  });
});

describe("the wrong-credential throttle", () => {
  it("answers 429 with Retry-After after a burst of wrong tokens, per client address", async () => {
    const from = freshLoopbackSource();
    const get = (bearer: string, source = from) =>
      rawRequest(`${token.url}/api/health`, {
        localAddress: source,
        headers: { authorization: `Bearer ${bearer}` },
      });
    // The burst is 50: the first 50 wrong tokens are each a plain 401.
    for (let i = 0; i < 50; i++) expect((await get(`wrong-${i}`)).status).toBe(401);
    let throttled: RawResponse | undefined;
    for (let i = 0; i < 200 && !throttled; i++) {
      const res = await get(`wrong-more-${i}`);
      if (res.status === 429) throttled = res;
      else expect(res.status).toBe(401);
    }
    expect(throttled, "a 429 after the burst").toBeDefined();
    expectError(throttled!, 429, "too_many_attempts", "throttled");
    expect(Number(throttled!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // Pairing counts too; another client is not affected; no credential at all is no guess.
    expect(
      (
        await rawRequest(`${token.url}/api/pair`, {
          method: "POST",
          localAddress: from,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: "guess" }),
        })
      ).status,
    ).toBe(429);
    expect((await get(TOKEN, freshLoopbackSource())).status).toBe(200);
    expect((await rawRequest(`${token.url}/api/health`, { localAddress: from })).status).toBe(401);
  });
});

describe("security headers", () => {
  const EXPECTED = {
    "content-security-policy": expect.stringContaining("frame-ancestors 'none'"),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };

  it("are on the app, the API, a 404, an error, and every refusal", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cases: [string, Promise<RawResponse>, number][] = [
      ["/", rawRequest(`${token.url}/`), 200],
      ["a web asset", rawRequest(`${token.url}/sw.js`), 200],
      ["/api/health", rawRequest(`${token.url}/api/health`, { headers: auth }), 200],
      ["a 404", rawRequest(`${token.url}/api/nope`, { headers: auth }), 404],
      [
        "a 400",
        rawRequest(`${token.url}/api/sessions`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: "{not json",
        }),
        400,
      ],
      ["a malformed URL", rawRequest(`${token.url}/api/sessions/%E0%A4%A`, { headers: auth }), 400],
      ["a 401", rawRequest(`${token.url}/api/health`), 401],
      ["a 421", rawRequest(`${token.url}/api/health`, { headers: { host: "evil.example" } }), 421],
      [
        "a 403",
        rawRequest(`${token.url}/api/health`, { headers: { origin: "http://evil.example" } }),
        403,
      ],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expect(res.headers, what).toMatchObject(EXPECTED);
    }
    const csp = String((await rawRequest(`${token.url}/`)).headers["content-security-policy"]);
    for (const directive of [
      "default-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "connect-src 'self'",
    ])
      expect(csp).toContain(directive);
  });
});
