// Push endpoints must be public push services: the daemon POSTs to whatever URL a subscription
// names, so loopback, private, link-local and local-name targets are refused (400 naming the
// rule), and /api/push/test cannot be used to scan the user's network. TETHER_PUSH_ALLOW_PRIVATE
// lifts this for tests and self-hosted relays, explicitly.
import { createECDH, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { isPrivateAddress, resolvesPrivately } from "../../dist/notify/push-endpoint.js";
import { type FakePushService, startFakePushService } from "../fakes/push-service.js";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";

let t: TestDaemon | undefined;
let push: FakePushService | undefined;
const dirs: ReturnType<typeof tempDir>[] = [];

afterEach(async () => {
  await t?.close();
  t = undefined;
  await push?.close();
  push = undefined;
  for (const dir of dirs.splice(0)) dir.remove();
});

function subscription(endpoint: string) {
  return {
    endpoint,
    keys: {
      p256dh: createECDH("prime256v1").generateKeys().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
}

describe("push subscription endpoints", () => {
  it("refuses loopback, private, link-local, unspecified and local names, naming the rule", async () => {
    t = await startTestDaemon({ token: "push-endpoints-token-0123456789abcdef" });
    const refused: [string, RegExp][] = [
      ["https://127.0.0.1/x", /127\.0\.0\.1 is a loopback, private/],
      ["https://127.1:8443/x", /127\.0\.0\.1 is a loopback/],
      ["https://2130706433/x", /127\.0\.0\.1 is a loopback/],
      ["https://10.1.2.3/x", /10\.1\.2\.3 is a loopback, private/],
      ["https://172.16.0.9/x", /is a loopback, private/],
      ["https://192.168.1.1/x", /is a loopback, private/],
      ["https://169.254.169.254/latest", /is a loopback, private, link-local/],
      ["https://0.0.0.0/x", /unspecified/],
      ["https://[::1]/x", /::1 is a loopback/],
      ["https://[::]/x", /is a loopback/],
      ["https://[fd00::1]/x", /fd00::1 is a loopback, private/],
      ["https://[fe80::1]/x", /fe80::1 is a loopback, private, link-local/],
      ["https://[::ffff:127.0.0.1]/x", /is a loopback/],
      ["https://localhost/x", /localhost is a local host name/],
      ["https://printer.local/x", /printer\.local is a local host name/],
      ["https://app.localhost/x", /is a local host name/],
      ["https://metadata.google.internal/x", /is a local host name/],
      ["https://intranet/x", /intranet is not a public host name/],
    ];
    for (const [endpoint, rule] of refused) {
      const res = await t.api("POST", "/api/push/subscriptions", subscription(endpoint));
      expect(res.status, endpoint).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(rule);
      expect(res.body.error.message).toContain("TETHER_PUSH_ALLOW_PRIVATE");
    }
    // Plain http is refused by the request schema itself.
    const http = await t.api("POST", "/api/push/subscriptions", subscription("http://a.example/x"));
    expect(http.status).toBe(400);
    expect(http.body.error.message).toMatch(/must be an https:\/\/ URL/);
    expect((await t.api("GET", "/api/push/subscriptions")).body.subscriptions).toEqual([]);

    // Browsers' push services are public https hosts.
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://updates.push.services.mozilla.com/wpush/v2/abc",
      "https://[2001:4860:4860::8888]/x",
    ]) {
      const res = await t.api("POST", "/api/push/subscriptions", subscription(endpoint));
      expect(res.status, endpoint).toBe(201);
    }
  });

  it("sends to a local push service only with TETHER_PUSH_ALLOW_PRIVATE, checked again at send time", async () => {
    push = await startFakePushService();
    const dir = tempDir();
    dirs.push(dir);
    const token = "push-endpoints-token-0123456789abcdef";
    t = await startTestDaemon({
      token,
      dataDir: dir.path,
      env: { TETHER_PUSH_ALLOW_PRIVATE: "1" },
    });
    push.vapidPublicKey = (await t.api("GET", "/api/push/vapid-public-key")).body.public_key;
    const browser = push.subscribe();
    expect((await t.api("POST", "/api/push/subscriptions", browser)).status).toBe(201);
    expect((await t.api("POST", "/api/push/test")).body).toMatchObject({ delivered: 1 });
    expect(push.received).toHaveLength(1);

    // The same data dir without the setting: the stored local endpoint gets nothing, and the
    // reply is a bare count, no network error to learn a port from.
    await t.close();
    t = await startTestDaemon({ token, dataDir: dir.path });
    const tried = await t.api("POST", "/api/push/test");
    expect(tried.body).toEqual({
      subscriptions: 1,
      delivered: 0,
      removed: 0,
      failed: 1,
      ntfy: "not_configured",
    });
    expect(push.received).toHaveLength(1);
  });
});

describe("which addresses are private", () => {
  it("judges IP literals, IPv4-mapped IPv6 included", () => {
    for (const ip of ["127.0.0.1", "10.0.0.1", "100.64.0.1", "::1", "fc00::1", "::ffff:10.0.0.1"]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ["8.8.8.8", "142.250.1.1", "2001:4860:4860::8888"]) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
  });

  it("resolves host names at send time and refuses private answers", async () => {
    // localhost resolves (through the system resolver) to loopback.
    expect(await resolvesPrivately("https://localhost/x")).toBe(true);
    expect(await resolvesPrivately("https://push.invalid/x")).toBe(false);
  });
});
