// A push endpoint is a capability (whoever has it can send to that phone), an ntfy topic on a
// public server is a password, an answer link answers an approval, and the VAPID private key
// signs for Tether: logs name push services and ntfy servers by origin only, and never print a
// key or a link.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { startDaemon } from "../../dist/daemon.js";
import { startFakeNtfy } from "../fakes/ntfy.js";
import { startFakePushService } from "../fakes/push-service.js";
import { callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const dir = tempDir("tether-notify-logs-");
const [push, ntfy] = await Promise.all([startFakePushService(), startFakeNtfy()]);
let logs = "";
const sink = new Writable({
  write(chunk, _encoding, done) {
    logs += chunk.toString();
    done();
  },
});
const daemon = await startDaemon(
  loadConfig({
    env: daemonEnv(dir.path, {
      TETHER_AGENT_DEV_MODE: "1",
      TETHER_NTFY_URL: `${ntfy.url}/secret-topic-name`,
      // The fake push service listens on 127.0.0.1.
      TETHER_PUSH_ALLOW_PRIVATE: "1",
    }),
    cwd: dir.path,
  }),
  { logger: pino({ level: "debug" }, sink) },
);
afterAll(async () => {
  await daemon.close();
  await Promise.all([push.close(), ntfy.close()]);
  dir.remove();
});

it("logs delivery failures and removals by origin, never the endpoint, topic or keys", async () => {
  const api = (method: string, path: string, body?: unknown) =>
    callApi(daemon.url, undefined, method, path, body);
  const gone = push.subscribe();
  const failing = push.subscribe();
  for (const sub of [gone, failing]) {
    expect((await api("POST", "/api/push/subscriptions", sub)).status).toBe(201);
  }
  push.inject({ status: 410, subscription: gone.id });
  push.inject({ status: 500, subscription: failing.id });
  ntfy.inject({ status: 403 });
  const sid = (await api("POST", "/external/sessions", {})).body.session_id;
  await api("POST", `/external/sessions/${sid}/approval`, { title: "Logged?" });

  await waitFor(() => logs.includes("giving up") && logs.includes("removed"), {
    timeoutMs: 15_000,
    what: () => `the failures to be logged; logs so far:\n${logs}`,
  });
  expect(logs).toContain(push.url);
  expect(logs).toContain("push subscription expired; removed");
  expect(logs).toMatch(
    /"to":"ntfy http:[^"]*","why":"HTTP 403","msg":"notification not delivered"/,
  );
  // An answer link (an ntfy button's URL) is a credential too: one refused is not logged either.
  const refused = await api(
    "POST",
    "/api/answer/apr_0123456789abcdef.0.9999999999.AAAAAAAAAAAAAAAAAAAAAA",
  );
  expect(refused.status).toBe(403);
  const { private_key } = JSON.parse(readFileSync(join(dir.path, "vapid.json"), "utf8"));
  for (const secret of [
    "/push/",
    gone.keys.auth,
    failing.keys.p256dh,
    "secret-topic-name",
    private_key,
    "/api/answer/",
    readFileSync(join(dir.path, "answer-links.key"), "utf8").trim(),
  ]) {
    expect(logs).not.toContain(secret);
  }
});
