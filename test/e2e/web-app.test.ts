// The web app, built for real and driven in real headless Chromium at phone size against the real
// daemon: pairing, live output, approvals answered with a tap or elsewhere, and a stream that
// comes back with exactly what it missed.
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { askApproval, externalSession, output } from "../helpers/phone-app.js";

const TOKEN = "web-app-test-token-7d1e-0123456789abcdef0123456789";
const skip = browserSkipReason();

let phone: PhoneBrowser | undefined;
const daemons: TestDaemon[] = [];

afterEach(async () => {
  await phone?.close();
  phone = undefined;
  // Newest first: a restarted daemon shares its data dir with the first, which removes it.
  for (const d of daemons.splice(0).reverse()) await d.close();
});

async function setUp(): Promise<{ t: TestDaemon; page: Page }> {
  const t = await startTestDaemon({ token: TOKEN });
  daemons.push(t);
  phone = await openPhone();
  return { t, page: phone.page };
}

async function pair(page: Page, t: TestDaemon, then = "/") {
  await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
  await page.getByRole("heading", { name: "Needs you" }).waitFor();
  if (then !== "/") await page.goto(`${t.url}/#${then}`);
}

/** Every event shown on the page, by seq: a duplicate would show twice. */
async function shownSeqs(page: Page): Promise<number[]> {
  return page
    .locator(".timeline [data-seq]")
    .evaluateAll((els) => els.map((el) => Number(el.getAttribute("data-seq"))));
}

describe.skipIf(skip !== undefined)(
  skip ? `web app in Chromium (skipped: ${skip})` : "web app in Chromium",
  () => {
    it("asks for the token without one, and takes it from a pairing link", async () => {
      const { t, page } = await setUp();
      await page.goto(`${t.url}/`);
      await page.getByRole("heading", { name: "Connect to Tether" }).waitFor();

      await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      await page.locator('[data-testid="connection"][data-status="live"]').waitFor();
      // The token is traded for the server's cookie: HttpOnly (no script reads it), SameSite
      // Strict, named for the daemon's port, and not the token itself. The browser keeps no
      // copy of the token (a string, evaluated in the page: the type-check has no DOM library).
      expect(await page.evaluate('localStorage.getItem("tether_token")')).toBeNull();
      expect(await page.evaluate("document.cookie")).toBe("");
      const cookies = await phone!.context.cookies();
      expect(cookies.map((c) => c.name)).toEqual([`tether_${t.daemon.port}`]);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
      expect(cookies[0]!.value).not.toContain(TOKEN);
      // The token leaves the address bar once it is traded.
      expect(page.url()).not.toContain(TOKEN);

      // A reload keeps the device signed in.
      await page.reload();
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
    });

    it("shows a session created through the External API and streams its output live", async () => {
      const { t, page } = await setUp();
      await pair(page, t);
      await page.getByRole("link", { name: "Sessions" }).tap();
      const id = await externalSession(t, "refactor auth");
      const row = page.getByTestId("session-row").filter({ hasText: "refactor auth" });
      await row.waitFor();
      await row.tap();
      await page.getByRole("heading", { name: "refactor auth" }).waitFor();

      await output(t, id, "Reading **src/auth.ts** and `login()`");
      const bubble = page.getByTestId("output").last();
      await bubble.locator("strong", { hasText: "src/auth.ts" }).waitFor();
      await bubble.locator("code", { hasText: "login()" }).waitFor();

      await output(t, id, "<script>alert(1)</script> stays text");
      await page.getByText("<script>alert(1)</script> stays text").waitFor();
      expect(await page.locator(".timeline script").count()).toBe(0);

      await output(t, id, "npm test", "tool_call");
      await page.locator("details.tool_call summary", { hasText: "npm test" }).waitFor();
    });

    it("answers an approval with a tap, and the agent's long poll receives it", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "migrate db");
      await output(t, id, "About to run the migration.");
      await askApproval(t, id, "Run the migration?");
      await t.api("POST", `/external/sessions/${id}/status`, { status: "done" });
      await pair(page, t);
      await page.getByTestId("approval").filter({ hasText: "Run the migration?" }).waitFor();
      await page.getByTestId("waiting").filter({ hasText: "migrate db" }).waitFor();
      await screenshot(page, "inbox-phone");

      await page.goto(`${t.url}/#/session/${id}`);
      const card = page.getByTestId("approval");
      await card.getByRole("button", { name: "Approve" }).waitFor();
      await screenshot(page, "session-approval-phone");

      const poll = t.api("GET", `/external/sessions/${id}/input?timeout=30`);
      await card.getByRole("button", { name: "Approve" }).tap();
      const message = await poll;
      expect(message.status).toBe(200);
      // decided_by comes from the door: the device this browser paired as (Chromium on Linux
      // here), not from anything the app sends.
      expect(message.body).toMatchObject({
        type: "approval_response",
        data: { option: "Approve", decided_by: expect.stringMatching(/^web:linux-[0-9a-f]{4}$/) },
      });
      await card
        .getByTestId("answered-by")
        .filter({ hasText: /Answered by web:linux-[0-9a-f]{4}: Approve/ })
        .waitFor();
      expect(await card.getByRole("button").count()).toBe(0);
    });

    it("flips a card to 'answered by' when the approval is answered over the API", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "deploy");
      const approvalId = await askApproval(t, id, "Deploy to staging?");
      await pair(page, t, `/session/${id}`);
      const card = page.getByTestId("approval");
      await card.getByRole("button", { name: "Reject" }).waitFor();

      const res = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "cli:alice",
      });
      expect(res.status).toBe(200);
      await card.getByText("Answered by cli:alice: Reject").waitFor();
      expect(await card.getByRole("button").count()).toBe(0);
    });

    it("after the daemon restarts, shows exactly the events it missed", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "long task");
      await output(t, id, "before the restart");
      await pair(page, t, `/session/${id}`);
      await page.getByText("before the restart").waitFor();
      const connection = page.getByTestId("connection");
      await connection.and(page.locator('[data-status="live"]')).waitFor();

      // The phone goes to sleep (offline) while the daemon restarts and the agent carries on.
      await phone!.context.setOffline(true);
      await t.daemon.close();
      await connection.and(page.locator('[data-status="connecting"]')).waitFor();
      const again = await startTestDaemon({
        token: TOKEN,
        dataDir: t.dataDir,
        env: { TETHER_AGENT_PORT: String(t.daemon.port) },
      });
      daemons.push(again);
      for (let i = 1; i <= 3; i++) await output(again, id, `missed ${i}`);

      await phone!.context.setOffline(false);
      await page.getByText("missed 3").waitFor();
      await connection.and(page.locator('[data-status="live"]')).waitFor();
      for (const text of ["before the restart", "missed 1", "missed 2", "missed 3"]) {
        expect(await page.getByText(text, { exact: true }).count(), text).toBe(1);
      }
      const seqs = await shownSeqs(page);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

      // And it follows live again.
      await output(again, id, "after the restart");
      await page.getByText("after the restart").waitFor();
    });
  },
);
