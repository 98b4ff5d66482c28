// The bridge layer without a platform: the registry loads only configured bridges; a bridge
// opens as a part and stops before the engine; a refused setting is one StartupError line; a
// bridge's delivery resumes from its durable cursor after an engine restart; a new session's
// thread is opened through the bridge of its platform, within a bounded time.
import { describe, expect, it } from "vitest";
import { bridgeSettingError, openBridges } from "../../dist/bridges/host.js";
import { BRIDGES, type BridgeRegistry, configuredBridges } from "../../dist/bridges/registry.js";
import { LocalBus } from "../../dist/bus/bus.js";
import { loadConfig } from "../../dist/config/load.js";
import { Engine } from "../../dist/core/engine.js";
import { MemoryData, MemoryStore } from "../../dist/core/memory-store.js";
import { Parts } from "../../dist/lifecycle.js";
import { StartupError } from "../../dist/startup-error.js";
import { FakeBridge, fakeRegistry } from "../fakes/fake-bridge.js";
import { waitFor } from "../helpers/wait.js";

const config = (env: Record<string, string> = {}) =>
  loadConfig({ env: { TETHER_CONFIG: "/nonexistent/tether.json", ...env }, cwd: "/" });

/** A pino-like logger that keeps what Parts logged as closed. */
function quietLog(closed: string[] = []) {
  const log = {
    debug: (obj: { part?: string }) => {
      if (obj.part) closed.push(obj.part);
    },
    error: () => {},
    warn: () => {},
    info: () => {},
    child: () => log,
    flush: () => {},
  };
  return log;
}

/** An engine on `data`, as a restarted daemon has one. */
async function engineOn(data: MemoryData) {
  const bus = new LocalBus();
  const engine = new Engine({ store: new MemoryStore(data), bus });
  await engine.init();
  return { engine, bus };
}

async function open(registry: BridgeRegistry, data = new MemoryData(), env = {}) {
  const closed: string[] = [];
  const log = quietLog(closed);
  const parts = new Parts(log);
  const { engine, bus } = await engineOn(data);
  parts.add("engine", () => engine.drain());
  // biome-ignore lint/suspicious/noExplicitAny: the fake logger has what the bridge host calls
  const logger = log as any;
  const door = await openBridges({
    registry,
    config: config(env),
    engine,
    bus,
    log: logger,
    parts,
    publicUrl: () => "http://localhost:8787",
    users: new MemoryStore(data).bridgeUsers,
    pairingNotices: [],
    openThreadTimeoutMs: 200,
  });
  return { door, engine, parts, closed };
}

describe("the bridge registry", () => {
  it("opens Telegram only when its token is set, so a default daemon loads no bridge", () => {
    expect(configuredBridges(BRIDGES, config({}))).toEqual([]);
    expect(
      configuredBridges(BRIDGES, config({ TELEGRAM_BOT_TOKEN: "1:x" })).map(([name]) => name),
    ).toEqual(["telegram"]);
  });

  it("loads only the bridges whose settings are set", async () => {
    const loaded: string[] = [];
    const registry: BridgeRegistry = {
      quiet: {
        configured: () => false,
        load: async () => {
          loaded.push("quiet");
          return new FakeBridge("quiet");
        },
      },
      chatty: {
        configured: (c) => c.TELEGRAM_BOT_TOKEN !== undefined,
        load: async () => {
          loaded.push("chatty");
          return new FakeBridge("chatty");
        },
      },
    };
    const { door, parts } = await open(registry, undefined, { TELEGRAM_BOT_TOKEN: "1:x" });
    expect(loaded).toEqual(["chatty"]);
    expect(door.health().map((b) => [b.name, b.state])).toEqual([["chatty", "connected"]]);
    await parts.closeAll();
    const none = await open(registry);
    expect(none.door.health()).toEqual([]);
    await none.parts.closeAll();
  });
});

describe("a bridge as a part of the daemon", () => {
  it("starts with its context and stops before the engine, newest bridge first", async () => {
    const a = new FakeBridge("alpha");
    const b = new FakeBridge("beta");
    const { parts, closed } = await open(fakeRegistry(a, b));
    expect(a.context?.settings.TETHER_BRIDGE_ALL_SESSIONS).toBe(true);
    await parts.closeAll();
    await parts.closeAll();
    expect(closed).toEqual(["bridge beta", "bridge alpha", "engine"]);
    expect(a.calls).toEqual(["start", "stop"]);
  });

  it("whose start refuses a setting stops start-up with that one line, and is still stopped", async () => {
    const refused = new FakeBridge("telegram", {
      failStart: bridgeSettingError(
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN was refused by Telegram (401 Unauthorized); check the token @BotFather gave you",
      ),
    });
    const error = await open(fakeRegistry(refused)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error).toMatchObject({ setting: "TELEGRAM_BOT_TOKEN", badSetting: true });
    expect((error as Error).message).toMatch(/^TELEGRAM_BOT_TOKEN was refused by Telegram/);
  });

  it("whose start fails otherwise is a StartupError naming the bridge", async () => {
    const broken = new FakeBridge("broken", { failStart: new Error("socket hang up") });
    const error = await open(fakeRegistry(broken)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toBe("the broken bridge could not start: socket hang up");
  });

  it("delivers every session's events once, resuming from its cursor after a restart and a failure", async () => {
    const data = new MemoryData();
    const first = new FakeBridge("fake", { failDeliveries: 2 });
    const one = await open(fakeRegistry(first), data);
    const s = await one.engine.createSession({ kind: "external", name: "s" });
    await one.engine.appendOutput(s.id, { text: "a", metadata: {} });
    await one.engine.appendOutput(s.id, { text: "b", metadata: {} });
    const last = one.engine.getSessionById(s.id).last_seq;
    await waitFor(() => first.delivered.length === last, { what: "the first events" });
    await one.parts.closeAll();

    const second = new FakeBridge("fake");
    const two = await open(fakeRegistry(second), data);
    await two.engine.appendOutput(s.id, { text: "c", metadata: {} });
    const now = two.engine.getSessionById(s.id).last_seq;
    await waitFor(() => second.delivered.length === now - last, { what: "the new event" });
    expect([...first.delivered, ...second.delivered]).toEqual(
      Array.from({ length: now }, (_, i) => `${s.id}#${i + 1}`),
    );
    await two.parts.closeAll();
  });
});

describe("a new session's thread", () => {
  it("is opened by its platform's bridge and kept; none without a bridge for the platform", async () => {
    const bridge = new FakeBridge("fake");
    const { door, engine, parts } = await open(fakeRegistry(bridge));
    const s = await engine.createSession({ kind: "external", platform: "fake" });
    expect(await door.openThread(s)).toEqual({
      thread_info: { thread_id: "100", platform: "fake" },
    });
    expect(await engine.threadOf(s.id, "fake")).toMatchObject({
      thread_id: "100",
      data: { pinned: 1 },
    });
    const other = await engine.createSession({ kind: "external", platform: "slack" });
    expect(await door.openThread(other)).toEqual({ thread_info: null });
    await parts.closeAll();
  });

  it("that the platform cannot open in time is null with the reason, and the session stays", async () => {
    const slow = new FakeBridge("fake", { failOpenThread: "hang" });
    const { door, engine, parts } = await open(fakeRegistry(slow));
    const s = await engine.createSession({ kind: "external", platform: "fake" });
    const outcome = await door.openThread(s);
    expect(outcome.thread_info).toBeNull();
    expect(outcome.thread_error).toMatch(
      /^fake did not open the thread within 0.2 s; the session was created/,
    );
    expect(engine.getSessionById(s.id).id).toBe(s.id);
    await parts.closeAll();
  });
});
