// The web app's settings in real headless Chromium at phone size, against the real daemon with a
// fake bridge that pairs: the "Chat bridges" block shows its state and paired user, a tap on
// Revoke stops that user at once, and a pairing code made there pairs the next one.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { FakeBridge, fakeRegistry } from "../fakes/fake-bridge.js";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "web-bridges-token-5c3b8-0123456789abcdef0123456";
const skip = browserSkipReason();

let phone: PhoneBrowser | undefined;
let daemon: Daemon | undefined;
let dir: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await phone?.close();
  await daemon?.close();
  dir?.remove();
  phone = daemon = dir = undefined;
});

/** The daemon with `bridges`; `before` runs once it is up, before the phone pairs and opens
 * the settings. */
async function start(
  bridges: FakeBridge[],
  before: (d: Daemon) => Promise<void> = async () => {},
): Promise<{ d: Daemon; page: Page }> {
  dir = tempDir("tether-web-bridges-");
  daemon = await startDaemon(
    loadConfig({ env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }), cwd: dir.path }),
    { bridges: fakeRegistry(...bridges) },
  );
  await before(daemon);
  phone = await openPhone();
  const page = phone.page;
  await page.goto(`${daemon.url}/#/pair?token=${TOKEN}`);
  await page.getByRole("heading", { name: "Needs you" }).waitFor();
  await page.goto(`${daemon.url}/#/settings`);
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  return { d: daemon, page };
}

describe.skipIf(skip !== undefined)(
  skip ? `chat bridges in the web app (skipped: ${skip})` : "chat bridges in the web app",
  () => {
    it("shows each bridge's state and paired users; Revoke stops a user; a code made there pairs", async () => {
      const bridge = new FakeBridge("telegram", { pairing: true });
      // @ada pairs with the start-up code before the phone opens the settings.
      const { d, page } = await start([bridge], async (started) => {
        const code = /"\/pair (\d{4}-\d{4})"/.exec(started.pairingNotices[0]?.text ?? "")?.[1];
        expect(await bridge.pair(code!, { id: "1001", name: "@ada" })).toBe(true);
      });

      const block = page.getByTestId("bridges");
      await block.getByRole("heading", { name: "Chat bridges" }).waitFor();
      expect(await block.getByTestId("bridge-state").textContent()).toContain("Connected");
      const ada = block.getByRole("listitem").filter({ hasText: "@ada" });
      await ada.waitFor();
      expect(await ada.textContent()).toContain("1001");
      await screenshot(page, "settings-bridges");

      await ada.getByRole("button", { name: "Revoke" }).tap();
      await ada.waitFor({ state: "detached" });
      expect(bridge.isPaired("1001")).toBe(false);
      await block.getByText("Nobody paired yet").waitFor();

      await block.getByRole("button", { name: "Make a pairing code" }).tap();
      const shown = await block.getByTestId("pairing-code").textContent();
      const code = /\/pair (\d{4}-\d{4})/.exec(shown ?? "")?.[1];
      expect(code, shown ?? "").toBeDefined();
      expect(await bridge.pair(code!, { id: "2002", name: "@grace" })).toBe(true);
      expect(d.pairingNotices).toHaveLength(1);
    });

    it("says since when a bridge is retrying, and its last error", async () => {
      const down = new FakeBridge("telegram", { failDeliveries: 1_000_000 });
      // An event to deliver, which the bridge keeps failing to.
      const { page } = await start([down], async (started) => {
        const res = await callApi(started.url, TOKEN, "POST", "/external/sessions", {});
        expect(res.status).toBe(200);
        await waitFor(() => down.health().state === "retrying", { what: "the bridge to retry" });
      });
      const state = page.getByTestId("bridges").getByTestId("bridge-state");
      await expect
        .poll(() => state.textContent())
        .toMatch(/^\s*Retrying since .+: Error: telegram is down/);
      expect(
        await page
          .getByTestId("bridges")
          .getByText("answers the users its allow list names", { exact: false })
          .count(),
      ).toBe(1);
    });

    it("shows no bridges block when no bridge runs", async () => {
      const { page } = await start([]);
      // Once the app has the (empty) list and has drawn what follows from it, there is no block.
      // The reloaded page's own request is the one watched (an earlier one may still be in
      // flight when the reload starts, and its body is gone with its page).
      let listed: unknown;
      await page.route("**/api/bridges", async (route) => {
        const response = await route.fetch();
        const body: unknown = await response.json();
        await route.fulfill({ response });
        listed = body;
      });
      await page.reload();
      await waitFor(() => listed !== undefined, { what: "the reloaded app to list the bridges" });
      expect(listed).toEqual({ bridges: [] });
      await page.getByRole("heading", { name: "Token" }).waitFor();
      await page.evaluate(
        "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
      );
      expect(await page.getByTestId("bridges").count()).toBe(0);
    });
  },
);
