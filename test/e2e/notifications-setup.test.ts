// Setting notifications up: the VAPID key pair is made once and kept in the data dir (0600)
// across restarts, subscriptions are durable, bad input gets clear 400s, bad settings stop
// start-up with one line.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { startFakePushService } from "../fakes/push-service.js";
import { daemonEnv, startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";

const started: TestDaemon[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.close()));
  for (const d of dirs.splice(0)) d.remove();
});

async function start(dataDir: string): Promise<TestDaemon> {
  // The fake push service listens on 127.0.0.1.
  const t = await startTestDaemon({
    dataDir,
    token: "notify-setup-token-0123456789abcdef0123456789",
    env: { TETHER_PUSH_ALLOW_PRIVATE: "1" },
  });
  started.push(t);
  return t;
}

it("keeps one VAPID key pair in the data dir, private to the user, across restarts", async () => {
  const dir = tempDir();
  dirs.push(dir);
  const push = await startFakePushService();
  try {
    const first = await start(dir.path);
    const key = (await first.api("GET", "/api/push/vapid-public-key")).body.public_key;
    expect(Buffer.from(key, "base64url")).toHaveLength(65);
    const file = join(dir.path, "vapid.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).public_key).toBe(key);
    const browser = push.subscribe();
    expect((await first.api("POST", "/api/push/subscriptions", browser)).status).toBe(201);
    await started.pop()!.close();

    const second = await start(dir.path);
    expect((await second.api("GET", "/api/push/vapid-public-key")).body.public_key).toBe(key);
    const subs = await second.api("GET", "/api/push/subscriptions");
    expect(subs.body.subscriptions.map((s: { endpoint: string }) => s.endpoint)).toEqual([
      browser.endpoint,
    ]);
    // Subscribing again (new keys, same endpoint) replaces, it does not add.
    const again = { ...push.subscribe(), endpoint: browser.endpoint };
    expect((await second.api("POST", "/api/push/subscriptions", again)).status).toBe(201);
    expect((await second.api("GET", "/api/push/subscriptions")).body.subscriptions).toHaveLength(1);
    expect(
      (await second.api("DELETE", "/api/push/subscriptions", { endpoint: browser.endpoint }))
        .status,
    ).toBe(204);
    expect((await second.api("GET", "/api/push/subscriptions")).body.subscriptions).toEqual([]);
  } finally {
    await push.close();
  }
});

it("refuses to start with a damaged vapid.json instead of orphaning every subscription", async () => {
  const dir = tempDir();
  dirs.push(dir);
  writeFileSync(join(dir.path, "vapid.json"), "{not json");
  await expect(start(dir.path)).rejects.toThrow(/vapid\.json: not valid JSON; .*delete it/);
});

it("answers bad subscriptions with 400 and a message naming the field", async () => {
  const dir = tempDir();
  dirs.push(dir);
  const t = await start(dir.path);
  const push = await startFakePushService();
  const good = push.subscribe();
  await push.close();
  const cases: [unknown, RegExp][] = [
    [{ ...good, endpoint: "http://push.example.com/x" }, /endpoint: must be an https:\/\/ URL/],
    [{ ...good, endpoint: "not a url" }, /endpoint/],
    [{ endpoint: good.endpoint }, /keys/],
    [{ ...good, keys: { ...good.keys, p256dh: "abc" } }, /keys\.p256dh: must be .*65 bytes/],
    [{ ...good, keys: { ...good.keys, auth: "!!" } }, /keys\.auth/],
  ];
  for (const [body, message] of cases) {
    const res = await t.api("POST", "/api/push/subscriptions", body);
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(res.body.error.message).toMatch(message);
  }
  const del = await t.api("DELETE", "/api/push/subscriptions", {});
  expect(del.status).toBe(400);
  expect(del.body.error.message).toMatch(/endpoint/);
  // A test with no subscriptions and no ntfy says so.
  expect((await t.api("POST", "/api/push/test")).body).toEqual({
    subscriptions: 0,
    delivered: 0,
    removed: 0,
    failed: 0,
    ntfy: "not_configured",
  });
});

it("names a bad notification setting in one line, without echoing secrets", () => {
  const dir = tempDir();
  dirs.push(dir);
  const load = (extra: Record<string, string>) => () =>
    loadConfig({ env: daemonEnv(dir.path, extra), cwd: dir.path });
  expect(load({ TETHER_NTFY_URL: "https://ntfy.sh/" })).toThrow(
    /^TETHER_NTFY_URL: must end in a topic name/,
  );
  expect(load({ TETHER_NTFY_URL: "https://ntfy.sh/secret topic" })).toThrow(
    /^TETHER_NTFY_URL: [^\n]*$/,
  );
  expect(load({ TETHER_NTFY_URL: "https://ntfy.sh/secret topic" })).not.toThrow(/secret/);
  expect(load({ TETHER_VAPID_SUBJECT: "me" })).toThrow(
    /^TETHER_VAPID_SUBJECT: must be a mailto: address or an https:\/\/ URL.*\(got "me"\)$/,
  );
  expect(load({ TETHER_PUBLIC_URL: "ftp://x" })).toThrow(/^TETHER_PUBLIC_URL: /);
  expect(load({ TETHER_NTFY_TOKEN: "" })).not.toThrow();
});
