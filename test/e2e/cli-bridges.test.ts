// `tether bridges` (the real CLI bundle) against the real daemon with a fake bridge that pairs:
// it lists each bridge's state and paired users, `pair` prints a code that pairs, `revoke`
// stops a user at once, and mistakes are one line on stderr.
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { FakeBridge, fakeRegistry } from "../fakes/fake-bridge.js";
import { oneLineError, runCli, userEnv } from "../helpers/cli.js";
import { daemonEnv, tempDir } from "../helpers/daemon.js";

const TOKEN = "cli-bridges-token-2a9f4-0123456789abcdef0123456";

let dir: ReturnType<typeof tempDir>;
let home: ReturnType<typeof tempDir>;
let daemon: Daemon;
let bridge: FakeBridge;

beforeEach(async () => {
  dir = tempDir("tether-cli-bridges-");
  home = tempDir("tether-cli-bridges-home-");
  bridge = new FakeBridge("fake", { pairing: true });
  daemon = await startDaemon(
    loadConfig({ env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }), cwd: dir.path }),
    { bridges: fakeRegistry(bridge, new FakeBridge("listed")) },
  );
});
afterEach(async () => {
  await daemon.close();
  dir.remove();
  home.remove();
});

const tether = (...args: string[]) =>
  runCli(["--url", daemon.url, "--token", TOKEN, ...args], {
    cwd: home.path,
    env: userEnv(home.path),
  });

it("lists each bridge's state and who paired; pair prints a code that pairs; revoke stops the user", async () => {
  const before = await tether("bridges");
  expect(before).toMatchObject({ code: 0, stderr: "" });
  expect(before.stdout).toBe(
    [
      "fake: connected; answers paired users",
      "  nobody paired yet: `tether bridges pair fake` makes a code",
      "",
      "listed: connected; answers the users its allow list names",
      "",
    ].join("\n"),
  );

  const paired = await tether("bridges", "pair", "fake");
  expect(paired).toMatchObject({ code: 0, stderr: "" });
  const code = /^ {2}\/pair (\d{4}-\d{4})$/m.exec(paired.stdout)?.[1];
  expect(code, paired.stdout).toBeDefined();
  expect(paired.stdout).toMatch(
    /^Send this where the fake bot is \(one use, until \d{4}-\d\d-\d\d \d\d:\d\d\):$/m,
  );
  expect(await bridge.pair(code!, { id: "1001", name: "@ada" })).toBe(true);

  const after = await tether("bridges");
  expect(after.code).toBe(0);
  const lines = after.stdout.split("\n");
  expect(lines[0]).toBe("fake: connected; answers paired users");
  expect(lines[1]).toMatch(/^ {2}USER ID\s+PAIRED\s+NAME$/);
  expect(lines[2]).toMatch(/^ {2}1001\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+@ada$/);

  const revoked = await tether("bridges", "revoke", "fake", "1001");
  expect(revoked).toMatchObject({ code: 0, stderr: "" });
  expect(revoked.stdout).toBe(
    "revoked 1001 on fake: their clicks and messages do nothing from now on\n",
  );
  expect(bridge.isPaired("1001")).toBe(false);
});

it("says in one line what is wrong: an unknown bridge or user, a bridge that does not pair", async () => {
  expect(oneLineError(await tether("bridges", "pair", "slack"), 1)).toBe(
    "tether: no bridge named slack is running (see GET /api/bridges)",
  );
  expect(oneLineError(await tether("bridges", "pair", "listed"), 1)).toMatch(
    /^tether: the listed bridge does not pair/,
  );
  expect(oneLineError(await tether("bridges", "revoke", "fake", "4242"), 1)).toBe(
    "tether: no user 4242 is paired on fake",
  );
  expect(oneLineError(await tether("bridges", "revoke", "fake"), 2)).toMatch(
    /missing required argument 'user_id'/,
  );
});
