// The inbox in real headless Chromium at 360×640 against the real daemon: a first run says how
// to start, a waiting session shows what the agent last said and takes a reply right there, and
// the badge (tab bar and page title) counts everything that needs the human.
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason } from "../helpers/browser.js";
import {
  askApproval,
  externalSession,
  output,
  type PhoneApp,
  pageScrollWidth,
  pair,
  runShell,
  screen,
  smallTapTargets,
  startPhoneApp,
  status,
} from "../helpers/phone-app.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "web-inbox-test-token-0123456789abcdef0123456789";
const skip = browserSkipReason();

let app: PhoneApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(): Promise<PhoneApp> {
  app = await startPhoneApp(TOKEN);
  return app;
}

describe.skipIf(skip !== undefined)(
  skip ? `inbox in Chromium (skipped: ${skip})` : "inbox in Chromium",
  () => {
    it("on a first run, says how to start a session or connect an agent, with lines that work", async () => {
      const { t, page } = await setUp();
      await pair(app!, TOKEN);
      const firstRun = page.getByTestId("first-run");
      await firstRun.getByText("No sessions yet").waitFor();
      expect(await page.getByText("Nothing needs you right now").count()).toBe(0);
      const start = firstRun.getByRole("link", { name: "New session" });
      expect(await start.getAttribute("href")).toBe("#/new");
      const lines = (await firstRun.getByLabel("lines").textContent()) ?? "";
      expect(lines).toContain(`TETHER_URL=${t.url}`);
      expect(lines).toContain('"$TETHER_URL/external/sessions"');
      expect(lines).not.toContain(TOKEN);
      expect(await smallTapTargets(page)).toEqual([]);
      expect(await pageScrollWidth(page)).toBeLessThanOrEqual(360);
      await screen(page, "inbox-first-run");

      // Pasted into a shell, they open a session, and the first run is over.
      const reply = JSON.parse(await runShell(TOKEN, lines));
      expect(reply.session_id).toMatch(/^sess_/);
      await firstRun.waitFor({ state: "detached" });
      await page.getByText("Nothing needs you right now").waitFor();
    });

    it("shows what a waiting agent last said, and a quick reply reaches it", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "schema change");
      await output(t, id, "Looking at the schema.");
      await output(t, id, "psql -c '\\d users'", "tool_call");
      await output(t, id, "Two ways to do this. **Which database** should I migrate first?");
      await output(t, id, "thinking it over", "thinking");
      await status(t, id, "done");
      await pair(app!, TOKEN);

      const card = page.getByTestId("waiting").filter({ hasText: "schema change" });
      const last = card.getByTestId("last-message");
      await last.waitFor();
      expect(await last.textContent()).toContain(
        "Two ways to do this. Which database should I migrate first?",
      );
      await last.locator("strong", { hasText: "Which database" }).waitFor();
      expect(await card.getByText("Looking at the schema.").count()).toBe(0);

      // A later turn's question replaces it.
      await status(t, id, "thinking");
      await output(t, id, "Staging or production?");
      await status(t, id, "done");
      await card.getByText("Staging or production?").waitFor();
      expect(await smallTapTargets(page)).toEqual([]);
      await screen(page, "inbox-waiting");

      const poll = t.api("GET", `/external/sessions/${id}/input?timeout=30`);
      await card.getByLabel("Reply to schema change").fill("staging first");
      await card.getByRole("button", { name: "Send" }).tap();
      const message = await poll;
      expect(message.status).toBe(200);
      expect(message.body).toMatchObject({ type: "human_input", data: { text: "staging first" } });
      // Answered, the session runs again and leaves the inbox.
      await card.waitFor({ state: "detached" });
    });

    it("counts approvals, waiting and failed sessions in the badge and the page title", async () => {
      const { t, page } = await setUp();
      const asking = await externalSession(t, "deploy");
      const first = await askApproval(t, asking, "Deploy to staging?");
      await askApproval(t, asking, "Then production?");
      const waiting = await externalSession(t, "questions");
      await output(t, waiting, "Which branch?");
      await status(t, waiting, "done");
      const failing = await externalSession(t, "broken");
      await output(t, failing, "starting");
      await status(t, failing, "error", "claude: not logged in");
      const busy = await externalSession(t, "busy");
      await output(t, busy, "working on it");
      await pair(app!, TOKEN);

      const badge = page.getByTestId("needs-you-count");
      await badge.filter({ hasText: /^\s*4\s*$/ }).waitFor();
      await waitFor(async () => (await page.title()) === "(4) Tether", { what: "the title" });
      // Each of them is in the inbox, the failure with its reason.
      expect(await page.getByTestId("approval").count()).toBe(2);
      expect(await page.getByTestId("waiting").count()).toBe(1);
      await page.getByTestId("failed").filter({ hasText: "claude: not logged in" }).waitFor();
      expect(await smallTapTargets(page)).toEqual([]);
      expect(await pageScrollWidth(page)).toBeLessThanOrEqual(360);
      await screen(page, "inbox");

      // Answered elsewhere, one less.
      await t.api("POST", `/api/approvals/${first}/resolve`, { option: "Approve" });
      await badge.filter({ hasText: /^\s*3\s*$/ }).waitFor();
      await waitFor(async () => (await page.title()) === "(3) Tether", { what: "the title" });
      // The badge and title follow from any page.
      await page.getByRole("link", { name: "Sessions" }).tap();
      await status(t, busy, "done");
      await badge.filter({ hasText: /^\s*4\s*$/ }).waitFor();
      await waitFor(async () => (await page.title()) === "(4) Tether", { what: "the title" });
    });

    it("keeps an approval answered elsewhere on screen a moment, saying who answered", async () => {
      const { t, page } = await setUp();
      await page.context().addInitScript("window.TETHER_SETTLED_MS = 1500");
      const id = await externalSession(t, "deploys");
      const approvalId = await askApproval(t, id, "Run the migration?");
      await pair(app!, TOKEN);
      const card = page.getByTestId("approval").filter({ hasText: "Run the migration?" });
      await card.getByText("Needs your answer").waitFor();

      const res = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "cli:alice",
      });
      expect(res.status).toBe(200);
      // The same card, now answered: who and what, and no buttons left to tap.
      await card.getByText("Answered by cli:alice").waitFor();
      expect(await card.getByRole("button", { name: "Approve" }).count()).toBe(0);
      await screen(page, "inbox-answered");
      // It does not need the human: not counted, and gone after a moment.
      await waitFor(async () => (await page.title()) === "Tether", { what: "the title" });
      await card.waitFor({ state: "detached", timeout: 10_000 });
      await page.getByText("Nothing needs you right now.").waitFor();
    });
  },
);
