// Why HTTPS matters on a phone, shown in real headless Chromium at phone size: browsers offer push
// only to secure pages, and a phone reaches Tether by a LAN or tunnel name, never localhost. A
// made-up LAN name (tether.lan) resolves to 127.0.0.1 inside Chromium (--host-resolver-rules),
// and the test's self-signed certificate for it is trusted by its key alone
// (--ignore-certificate-errors-spki-list), no blanket --ignore-certificate-errors. Over HTTPS the
// Settings view offers push; over plain HTTP it says why not, and offers ntfy. The pairing link
// `tether pair` prints is TETHER_PUBLIC_URL's, and it pairs the phone.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { runCli, userEnv } from "../helpers/cli.js";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";
import { makeCert } from "../helpers/tls.js";

const TOKEN = "web-https-test-token-5c2a-0123456789abcdef0123456789";
const LAN = "tether.lan";
const skip = browserSkipReason();

let phone: PhoneBrowser | undefined;
const daemons: TestDaemon[] = [];
const dirs: { remove(): void }[] = [];

afterEach(async () => {
  await phone?.close();
  phone = undefined;
  for (const d of daemons.splice(0)) await d.close();
  for (const d of dirs.splice(0)) d.remove();
});

function dir(): string {
  const d = tempDir("tether-web-https-");
  dirs.push(d);
  return d.path;
}

/** A daemon that answers to tether.lan on a port known before it starts (the public URL has it). */
async function lanDaemon(env: Record<string, string>): Promise<TestDaemon> {
  const t = await startTestDaemon({
    token: TOKEN,
    env: { TETHER_ALLOWED_HOSTS: LAN, ...env },
  });
  daemons.push(t);
  return t;
}

async function phoneAt(extraArgs: string[] = []): Promise<Page> {
  phone = await openPhone({ args: [`--host-resolver-rules=MAP ${LAN} 127.0.0.1`, ...extraArgs] });
  return phone.page;
}

/** Whether the page is a secure context: what the browser decides push is offered on. */
function secure(page: Page): Promise<boolean> {
  return page.evaluate(
    () => (globalThis as { isSecureContext?: boolean }).isSecureContext === true,
  );
}

async function openSettings(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/#/settings`);
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  const state = page.getByTestId("push-state");
  await expect.poll(() => state.textContent(), { timeout: 10_000 }).not.toBe("Checking…");
  return (await state.textContent()) ?? "";
}

describe.skipIf(skip !== undefined)(
  skip ? `the web app over HTTPS (skipped: ${skip})` : "the web app over HTTPS",
  () => {
    it("over HTTPS on a LAN name, the link `tether pair` prints pairs the phone and Settings offers push", async () => {
      const certs = dir();
      const cert = makeCert(certs, [LAN]);
      const port = await closedPort();
      const publicUrl = `https://${LAN}:${port}`;
      const settings = {
        TETHER_AGENT_PORT: String(port),
        TETHER_TLS_CERT: cert.certFile,
        TETHER_TLS_KEY: cert.keyFile,
        TETHER_PUBLIC_URL: publicUrl,
      };
      const t = await lanDaemon(settings);
      expect(t.url).toBe(`https://127.0.0.1:${port}`);

      // The link, as the user gets it on the machine running Tether.
      const home = dir();
      const run = await runCli(["pair"], {
        cwd: home,
        env: userEnv(home, {
          ...settings,
          TETHER_AGENT_TOKEN: TOKEN,
          TETHER_AGENT_HOST: "127.0.0.1",
        }),
      });
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
      const link = /^Open on your phone: (\S+)$/m.exec(run.stdout)?.[1];
      expect(link).toBe(`${publicUrl}/#/pair?token=${TOKEN}`);

      const page = await phoneAt([`--ignore-certificate-errors-spki-list=${cert.spki}`]);
      await page.goto(link!);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      expect(await secure(page)).toBe(true);
      const cookie = (await phone!.context.cookies()).find((c) => c.name === `tether_${port}`);
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: "Strict" });

      expect(await openSettings(page, publicUrl)).toBe("Off");
      await page.getByRole("button", { name: "Turn notifications on" }).waitFor();
      expect(await page.getByTestId("ntfy-offer").count()).toBe(0);
      await screenshot(page, "screens/settings-https");
    });

    it("over plain HTTP on a LAN name, Settings says push needs HTTPS and offers ntfy", async () => {
      const t = await lanDaemon({});
      const base = `http://${LAN}:${new URL(t.url).port}`;
      const page = await phoneAt();
      await page.goto(`${base}/#/pair?token=${TOKEN}`);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      expect(await secure(page)).toBe(false);
      expect((await phone!.context.cookies()).map((c) => c.secure)).toEqual([false]);

      const text = await openSettings(page, base);
      expect(text).toMatch(
        /^Push needs HTTPS: open Tether through https:\/\/… — see “Reach it from your phone”/,
      );
      expect(await page.getByRole("button", { name: "Turn notifications on" }).count()).toBe(0);
      const ntfy = page.getByTestId("ntfy-offer");
      await ntfy.waitFor();
      expect(await ntfy.textContent()).toContain("TETHER_NTFY_URL=https://ntfy.sh/");
      expect(await page.getByText(`This page: ${base}`).count()).toBe(1);
      await screenshot(page, "screens/settings-plain-http");
    });

    it("on localhost over plain HTTP push is offered: the browser counts it as secure", async () => {
      const t = await lanDaemon({});
      const page = await phoneAt();
      await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      expect(await openSettings(page, t.url)).toBe("Off");
      expect(await page.getByTestId("ntfy-offer").count()).toBe(0);
    });
  },
);
