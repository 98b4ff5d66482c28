// The real daemon, in process, with a fake bridge injected in place of the registry's: an
// external session with its platform gets the thread the bridge opened in the reply, and
// /api/health lists the bridge; a refused setting stops start-up and closes what opened.
import { afterEach, beforeEach, expect, it } from "vitest";
import { bridgeSettingError } from "../../dist/bridges/host.js";
import { loadConfig } from "../../dist/config/load.js";
import { startDaemon } from "../../dist/daemon.js";
import { StartupError } from "../../dist/startup-error.js";
import { FakeBridge, fakeRegistry } from "../fakes/fake-bridge.js";
import { callApi, daemonEnv, tempDir } from "../helpers/daemon.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir("tether-bridges-");
});
afterEach(() => dir.remove());

const config = () => loadConfig({ env: daemonEnv(dir.path), cwd: dir.path });

it("returns the thread its platform's bridge opened, and lists the bridge in /api/health", async () => {
  const bridge = new FakeBridge("fake");
  const daemon = await startDaemon(config(), { bridges: fakeRegistry(bridge) });
  try {
    const created = await callApi(daemon.url, daemon.token, "POST", "/external/sessions", {
      session_name: "with a thread",
      platform: "fake",
    });
    expect(created.status).toBe(200);
    expect(created.body.thread_info).toEqual({ thread_id: "100", platform: "fake" });
    const plain = await callApi(daemon.url, daemon.token, "POST", "/external/sessions", {
      platform: "telegram",
    });
    expect(plain.body).toMatchObject({ platform: "telegram", thread_info: null });
    expect(plain.body.thread_error).toBeUndefined();

    const health = await callApi(daemon.url, daemon.token, "GET", "/api/health");
    expect(health.body.bridges).toEqual([
      { name: "fake", state: "connected", since: expect.any(String), last_error: null, backlog: 0 },
    ]);
  } finally {
    await daemon.close();
  }
  expect(bridge.calls.at(-1)).toBe("stop");
});

it("stops start-up with the bridge's line when it refuses a setting", async () => {
  const refused = new FakeBridge("telegram", {
    failStart: bridgeSettingError(
      "TELEGRAM_BOT_TOKEN",
      "TELEGRAM_BOT_TOKEN was refused by Telegram",
    ),
  });
  const error = await startDaemon(config(), { bridges: fakeRegistry(refused) }).catch((e) => e);
  expect(error).toBeInstanceOf(StartupError);
  expect(error.message).toBe("TELEGRAM_BOT_TOKEN was refused by Telegram");
  expect(refused.calls).toEqual(["start", "stop"]);
  // The data dir is free again.
  const daemon = await startDaemon(config());
  const health = await callApi(daemon.url, daemon.token, "GET", "/api/health");
  expect(health.body.bridges).toEqual([]);
  await daemon.close();
});
