// How the daemon serves the web app when it was not built, and the pairing link `tether start`
// prints (to the terminal only: never through the logger).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { afterEach, expect, it } from "vitest";
import { pairingUrl, printPairing, reachableHost } from "../../dist/cli/pairing.js";
import { webRoutes } from "../../dist/server/web.js";
import { type SpawnedDaemon, spawnDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const dirs: ReturnType<typeof tempDir>[] = [];
let spawned: SpawnedDaemon | undefined;
afterEach(async () => {
  await spawned?.kill("SIGTERM");
  spawned = undefined;
  for (const d of dirs.splice(0)) d.remove();
});

it("answers / with a clear message when the web app is not built, and serves it once it is", async () => {
  const dir = tempDir("tether-web-");
  dirs.push(dir);
  const root = join(dir.path, "web");
  const app = Fastify();
  await webRoutes(app as never, root);
  await app.ready();
  try {
    const missing = await app.inject({ method: "GET", url: "/" });
    expect(missing.statusCode).toBe(503);
    expect(missing.body).toContain("npm run build");

    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>built</title>");
    const built = await app.inject({ method: "GET", url: "/" });
    expect(built.statusCode).toBe(200);
    expect(built.body).toContain("built");
  } finally {
    await app.close();
  }
});

it("puts the token in the link's fragment, which browsers never send to the server", () => {
  expect(pairingUrl("192.168.1.5", 8787, "a b&c")).toBe(
    "http://192.168.1.5:8787/#/pair?token=a%20b%26c",
  );
  expect(pairingUrl("::1", 80, "t0ken123")).toBe("http://[::1]:80/#/pair?token=t0ken123");
  expect(reachableHost("127.0.0.1")).toBe("127.0.0.1");
});

it("prints a QR code only to a terminal", async () => {
  let text = "";
  const out = { write: (s: string) => (text += s), isTTY: true };
  await printPairing("http://10.0.0.2:8787/#/pair?token=abcdefgh", out);
  expect(text).toContain("Open on your phone: http://10.0.0.2:8787/#/pair?token=abcdefgh");
  expect(text.split("\n").length).toBeGreaterThan(10); // the QR code's rows
});

it("`tether start` with stderr piped (a log, under systemd or Docker) never prints the link", async () => {
  const dir = tempDir();
  dirs.push(dir);
  const token = "start-pairing-token-0123456789abcdef0123456789";
  spawned = await spawnDaemon(dir.path, {
    TETHER_AGENT_TOKEN: token,
    TETHER_AGENT_LOG_LEVEL: "info",
  });
  await waitFor(() => /^pairing: run `tether pair` in a terminal/m.test(spawned!.stderr()), {
    what: () => `the pairing hint; stderr so far:\n${spawned!.stderr()}`,
  });
  expect(spawned.stderr()).not.toContain(token);
  expect(spawned.stderr()).not.toContain("Open on your phone");
});
