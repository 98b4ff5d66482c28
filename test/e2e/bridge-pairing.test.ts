// Pairing a chat user with a bridge, through the real daemon with a fake bridge: a bridge that
// pairs and has nobody paired gets a one-time code in the start-up notice; that code pairs one
// user once, and a wrong or spent one pairs nobody; the paired user is in GET /api/bridges and
// survives a restart; DELETE revokes at once; POST …/pairing-code makes another. No code ever
// reaches the logs.
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { FakeBridge, fakeRegistry } from "../fakes/fake-bridge.js";
import { callApi, daemonEnv, tempDir } from "../helpers/daemon.js";

const TOKEN = "bridge-pairing-token-7d1e0-0123456789abcdef01234";

let dir: ReturnType<typeof tempDir>;
let logs: string;
const running: Daemon[] = [];

beforeEach(() => {
  dir = tempDir("tether-bridge-pairing-");
  logs = "";
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
  dir.remove();
});

/** The daemon on this test's data dir with these bridges, logging everything into `logs`. */
async function start(...bridges: FakeBridge[]): Promise<Daemon> {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const daemon = await startDaemon(
    loadConfig({ env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }), cwd: dir.path }),
    { bridges: fakeRegistry(...bridges), logger: pino({ level: "trace" }, sink) },
  );
  running.push(daemon);
  return daemon;
}

async function stop(daemon: Daemon): Promise<void> {
  running.splice(running.indexOf(daemon), 1);
  await daemon.close();
}

const api = (daemon: Daemon, method: string, path: string, body?: unknown) =>
  callApi(daemon.url, TOKEN, method, path, body);

/** The code in the start-up notice: `Send "/pair 4821-7730" …`. */
function noticedCode(daemon: Daemon): string {
  expect(daemon.pairingNotices).toHaveLength(1);
  const match = /"\/pair (\d{4}-\d{4})"/.exec(daemon.pairingNotices[0]!.text);
  expect(match, daemon.pairingNotices[0]!.text).not.toBeNull();
  return match![1]!;
}

const ADA = { id: "1001", name: "@ada" };
const EVE = { id: "6666", name: "@eve" };

describe("pairing a chat user", () => {
  it("the start-up notice holds a code that pairs one user once; a wrong or spent code pairs nobody", async () => {
    const bridge = new FakeBridge("fake", { pairing: true });
    const daemon = await start(bridge);
    const code = noticedCode(daemon);
    const notice = daemon.pairingNotices[0]!;
    expect(notice.text).toMatch(/^Fake: nobody may answer yet\. Send "\/pair \d{4}-\d{4}"/);
    // What is said where a log may be reading holds no code, nor does any other notice.
    expect(notice.withoutCode).toContain("tether bridges pair fake");
    expect(notice.withoutCode).not.toContain(code);
    expect(daemon.notices.join("\n")).not.toContain(code);

    expect(bridge.isPaired(ADA.id)).toBe(false);
    const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    expect(await bridge.pair(wrong, EVE)).toBe(false);
    expect(bridge.isPaired(EVE.id)).toBe(false);

    expect(await bridge.pair(code, ADA)).toBe(true);
    expect(bridge.isPaired(ADA.id)).toBe(true);
    // Spent: the next one to send it pairs nobody.
    expect(await bridge.pair(code, EVE)).toBe(false);
    expect(bridge.isPaired(EVE.id)).toBe(false);

    const listed = await api(daemon, "GET", "/api/bridges");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      bridges: [
        {
          name: "fake",
          state: "connected",
          since: expect.any(String),
          last_error: null,
          backlog: 0,
          pairing: true,
          users: [{ user_id: "1001", name: "@ada", paired_at: expect.any(String) }],
          pair_command: "/pair",
          pair_where: "where the fake bot is",
        },
      ],
    });
    expect(logs).toContain("a user paired");
    expect(logs).toContain("wrong, spent or expired");
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(wrong);
  });

  it("a paired user stays paired across a restart, and no code is printed while someone is", async () => {
    const first = new FakeBridge("fake", { pairing: true });
    const daemon = await start(first);
    expect(await first.pair(noticedCode(daemon), ADA)).toBe(true);
    await stop(daemon);

    const second = new FakeBridge("fake", { pairing: true });
    const again = await start(second);
    expect(second.isPaired(ADA.id)).toBe(true);
    expect(again.pairingNotices).toEqual([]);
  });

  it("DELETE revokes at once and for good; unknown users and bridges are 404", async () => {
    const bridge = new FakeBridge("fake", { pairing: true });
    const daemon = await start(bridge);
    expect(await bridge.pair(noticedCode(daemon), ADA)).toBe(true);

    const revoked = await api(daemon, "DELETE", "/api/bridges/fake/users/1001");
    expect(revoked.status).toBe(204);
    expect(bridge.isPaired(ADA.id)).toBe(false);
    expect((await api(daemon, "GET", "/api/bridges")).body.bridges[0].users).toEqual([]);

    const twice = await api(daemon, "DELETE", "/api/bridges/fake/users/1001");
    expect(twice.status).toBe(404);
    expect(twice.body.error).toEqual({
      code: "not_found",
      message: "no user 1001 is paired on fake",
    });
    const elsewhere = await api(daemon, "DELETE", "/api/bridges/slack/users/1001");
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.message).toContain("no bridge named slack is running");

    // Revoked on disk too: after a restart nobody is paired, so a code is printed again.
    await stop(daemon);
    const next = new FakeBridge("fake", { pairing: true });
    const restarted = await start(next);
    expect(next.isPaired(ADA.id)).toBe(false);
    noticedCode(restarted);
  });

  it("POST …/pairing-code makes a code that pairs; 404 for no such bridge, 400 for one with an allow list", async () => {
    const pairs = new FakeBridge("fake", { pairing: true });
    const listed = new FakeBridge("listed", { pairing: false });
    const daemon = await start(pairs, listed);
    // Only the bridge that pairs gets a notice.
    expect(daemon.pairingNotices.map((n) => n.text.split(":")[0])).toEqual(["Fake"]);

    const made = await api(daemon, "POST", "/api/bridges/fake/pairing-code");
    expect(made.status).toBe(200);
    expect(made.body).toEqual({
      code: expect.stringMatching(/^\d{4}-\d{4}$/),
      expires_at: expect.any(String),
    });
    const expiresIn = Date.parse(made.body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(59 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
    expect(await pairs.pair(made.body.code, ADA)).toBe(true);
    expect(pairs.isPaired(ADA.id)).toBe(true);
    // The start-up code is still good for someone else.
    expect(await pairs.pair(noticedCode(daemon), EVE)).toBe(true);

    const none = await api(daemon, "POST", "/api/bridges/discord/pairing-code");
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe("not_found");
    const allowList = await api(daemon, "POST", "/api/bridges/listed/pairing-code");
    expect(allowList.status).toBe(400);
    expect(allowList.body.error.message).toMatch(/does not pair/);
    expect((await api(daemon, "GET", "/api/bridges")).body.bridges[1]).toMatchObject({
      name: "listed",
      pairing: false,
      users: [],
    });
    expect(logs).not.toContain(made.body.code);
  });

  it("5 wrong codes void every code of the bridge", async () => {
    const bridge = new FakeBridge("fake", { pairing: true });
    const daemon = await start(bridge);
    const code = noticedCode(daemon);
    const made = (await api(daemon, "POST", "/api/bridges/fake/pairing-code")).body.code;
    for (let i = 0; i < 5; i++) expect(await bridge.pair(`0000-000${i}`, EVE)).toBe(false);
    expect(await bridge.pair(code, ADA)).toBe(false);
    expect(await bridge.pair(made, ADA)).toBe(false);
    expect(logs).toContain("every fake pairing code is void");
    // A new one works.
    const fresh = (await api(daemon, "POST", "/api/bridges/fake/pairing-code")).body.code;
    expect(await bridge.pair(fresh, ADA)).toBe(true);
  });

  it("refuses bad names and ids with a clear 400", async () => {
    const daemon = await start(new FakeBridge("fake", { pairing: true }));
    const badName = await api(daemon, "POST", "/api/bridges/No%20Such!/pairing-code");
    expect(badName.status).toBe(400);
    expect(badName.body.error.message).toMatch(/params.name: must be a bridge's name/);
    const badId = await api(daemon, "DELETE", `/api/bridges/fake/users/${"9".repeat(65)}`);
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/params.user_id: must be a user id/);
  });

  it("without bridges, lists none and has none to pair", async () => {
    const daemon = await start();
    expect((await api(daemon, "GET", "/api/bridges")).body).toEqual({ bridges: [] });
    expect((await api(daemon, "POST", "/api/bridges/telegram/pairing-code")).status).toBe(404);
    expect(daemon.pairingNotices).toEqual([]);
  });
});
