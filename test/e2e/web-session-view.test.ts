// A session's page in real headless Chromium at 360×640 against the real daemon: what waits for
// an answer is pinned at the top however long the session, the conversation reads like a chat
// (times, the human on the right, code and tables that never widen the page, one error once, no
// gaps), the transcript gets most of the screen with thumb-sized controls, the session can be
// renamed, ended and deleted, an unknown one says so and stops asking, and an external session
// shows the lines that connect its agent.
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason } from "../helpers/browser.js";
import {
  askApproval,
  type Box,
  externalSession,
  manyOutputs,
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

const TOKEN = "web-session-view-token-0123456789abcdef0123456789";
const skip = browserSkipReason();
const VIEWPORT = { width: 360, height: 640 };

let app: PhoneApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(): Promise<PhoneApp> {
  app = await startPhoneApp(TOKEN);
  return app;
}

async function box(app: PhoneApp, selector: string): Promise<Box> {
  const found = await app.page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not on screen`);
  return found;
}

const WIDE_CODE = `Here is the query:\n\n\`\`\`sql\nSELECT ${"very_long_column_name, ".repeat(12)}id FROM accounts;\n\`\`\``;
const TABLE =
  "Test results:\n\n| suite | passed | failed | time |\n|:--|--:|--:|--:|\n| auth | 42 | 0 | 1.2 s |\n| billing | 17 | 1 | 3.4 s |";

describe.skipIf(skip !== undefined)(
  skip ? `session page in Chromium (skipped: ${skip})` : "session page in Chromium",
  () => {
    it("pins a pending approval of a 2,000-event session at the top, in view without scrolling", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "long refactor");
      const approvalId = await askApproval(t, id, "Drop the legacy table?");
      await manyOutputs(t, id, 2_000, (i) => `step ${i}`);
      await output(t, id, "the newest step");
      const session = (await t.api("GET", `/api/sessions/${id}`)).body;
      expect(session.last_seq).toBeGreaterThan(2_000);

      await pair(app!, TOKEN, `/session/${id}`);
      const pinned = page.getByTestId("pinned").getByTestId("approval");
      await pinned.getByRole("button", { name: "Approve" }).waitFor();
      // The page opens at the newest events…
      await page.getByText("the newest step").waitFor();
      await waitFor(async () => (await page.evaluate<number>("window.scrollY")) > 0, {
        what: "the page to follow the conversation to its end",
      });
      // …with the approval in view, at the top, though it was asked 2,000 events ago.
      const card = await pinned.boundingBox();
      expect(card).not.toBeNull();
      expect(card!.y).toBeGreaterThanOrEqual(0);
      expect(card!.y + card!.height).toBeLessThanOrEqual(VIEWPORT.height / 2 + 20);
      await expect(pinned.getByRole("button", { name: "Approve" }).isVisible()).resolves.toBe(true);
      // Only the newest part of the history is loaded; earlier parts are a tap away.
      const shown = async () =>
        page
          .locator(".timeline [data-seq]")
          .evaluateAll((els) => els.map((el) => Number(el.getAttribute("data-seq"))));
      const first = await shown();
      expect(first.length).toBeLessThanOrEqual(300);
      expect(first.at(-1)).toBe(session.last_seq);
      await screen(page, "session-pinned-approval");

      await page.getByRole("button", { name: "Show earlier" }).tap();
      await waitFor(async () => (await shown()).length > first.length, { what: "earlier events" });
      const more = await shown();
      expect(more).toEqual(
        Array.from({ length: more.length }, (_, i) => session.last_seq - more.length + 1 + i),
      );

      // Answered, it leaves the pin; the answer still shows where it happened.
      await pinned.getByRole("button", { name: "Approve" }).tap();
      await page
        .getByText(/“Drop the legacy table\?” answered by web:linux-[0-9a-f]{4}: Approve/)
        .waitFor();
      expect(await page.getByTestId("pinned").count()).toBe(0);
      const resolved = await t.api("GET", `/api/approvals/${approvalId}`);
      expect(resolved.body).toMatchObject({ status: "resolved", decision: "Approve" });
    });

    it("reads like a chat: times, your words on the right, code and tables that keep the page its width", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "report");
      await output(t, id, "Looking at the **accounts** query.");
      await output(t, id, WIDE_CODE);
      await output(t, id, TABLE);
      await status(t, id, "done");
      await pair(app!, TOKEN, `/session/${id}`);
      await page.locator(".markdown table").waitFor();

      // Typed in the composer and sent, it shows as the human's own message.
      await page.getByLabel("Message to the agent").fill("Ship the faster one");
      await page.getByRole("button", { name: "Send" }).tap();
      const mine = page.getByTestId("human").filter({ hasText: "Ship the faster one" });
      await mine.waitFor();

      const agentBox = await box(app!, '[data-testid="output"]');
      const mineBox = (await mine.boundingBox())!;
      expect(mineBox.x).toBeGreaterThan(agentBox.x + 20);
      expect(mineBox.x + mineBox.width).toBeGreaterThan(VIEWPORT.width - 24);
      const colours = await page.evaluate<[string, string]>(
        `[document.querySelector('[data-testid="human"]'), document.querySelector('[data-testid="output"]')].map((el) => getComputedStyle(el).backgroundColor)`,
      );
      expect(colours[0]).not.toBe(colours[1]);

      // Every line says when.
      const rows = page.locator(".timeline [data-seq]");
      const count = await rows.count();
      expect(count).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < count; i++) {
        expect(await rows.nth(i).locator("time[datetime]").count(), `row ${i}`).toBe(1);
      }

      // The table is a table; the wide code scrolls in its own box, which shows that it does.
      const table = page.locator(".markdown table");
      expect(await table.locator("th").allTextContents()).toEqual([
        "suite",
        "passed",
        "failed",
        "time",
      ]);
      expect(await table.locator("tbody tr").count()).toBe(2);
      expect(await page.getByText("|:--|").count()).toBe(0);
      expect(await pageScrollWidth(page)).toBeLessThanOrEqual(VIEWPORT.width);
      const code = await page.evaluate<{
        scrollWidth: number;
        clientWidth: number;
        overflowX: string;
        hint: string;
      }>(`(() => {
        const pre = document.querySelector(".markdown pre.code-block");
        const style = getComputedStyle(pre);
        return { scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth,
          overflowX: style.overflowX, hint: style.backgroundImage };
      })()`);
      expect(code.scrollWidth).toBeGreaterThan(code.clientWidth);
      expect(code.clientWidth).toBeLessThanOrEqual(VIEWPORT.width);
      expect(code.overflowX).toBe("auto");
      // The scroll hint: shadows at the edges with more beyond them.
      expect(code.hint).toContain("radial-gradient");
      await screen(page, "session");
    });

    it("shows one failure once, and no gaps for events it does not show", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "flaky");
      await output(t, id, "starting");
      await status(t, id, "thinking");
      await status(t, id, "executing");
      await output(t, id, "claude: not logged in", "error");
      await status(t, id, "error", "claude: not logged in");
      await pair(app!, TOKEN, `/session/${id}`);
      await page.getByText("claude: not logged in").first().waitFor();
      await page.locator('[data-testid="connection"][data-status="live"]').waitFor();

      // The error output, the error status and the move to "error" said the same: once.
      expect(await page.locator(".timeline").getByText("claude: not logged in").count()).toBe(1);
      // Each row shown has something in it, and rows sit the timeline's gap apart, no more.
      const boxes = await page.locator(".timeline > *").evaluateAll((els) =>
        els.map((el) => ({
          top: el.getBoundingClientRect().top,
          bottom: el.getBoundingClientRect().bottom,
        })),
      );
      expect(boxes.length).toBe(2);
      for (const [i, b] of boxes.entries()) {
        expect(b.bottom - b.top, `row ${i}`).toBeGreaterThan(10);
        if (i > 0)
          expect(b.top - boxes[i - 1]!.bottom, `gap before row ${i}`).toBeLessThanOrEqual(9);
      }
    });

    it("gives the transcript most of the screen, and every control a 44 px target", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "tap targets");
      await output(t, id, "Let me think about it.", "thinking");
      await output(t, id, "npm test", "tool_call");
      await output(t, id, "All 12 tests passed", "tool_result");
      await output(t, id, "See [the docs](https://example.com) for more.");
      for (let i = 0; i < 20; i++) await output(t, id, `line ${i}`);
      const approvalId = await askApproval(t, id, "Run the migration?");
      await t.api("POST", `/api/approvals/${approvalId}/resolve`, { option: "Approve" });
      await askApproval(t, id, "Deploy?");
      await pair(app!, TOKEN, `/session/${id}`);
      await page.getByTestId("pinned").getByRole("button", { name: "Approve" }).waitFor();
      await page.getByText("Let me think about it.").waitFor({ state: "attached" });

      expect(await smallTapTargets(page)).toEqual([]);
      await page.getByTestId("session-menu").tap();
      await page.getByRole("button", { name: "Rename" }).waitFor();
      expect(await smallTapTargets(page)).toEqual([]);
      await page.getByTestId("session-menu").tap();

      // Once answered, the transcript has the screen between the header and the composer.
      await page.getByTestId("pinned").getByRole("button", { name: "Approve" }).tap();
      await page.getByTestId("pinned").waitFor({ state: "detached" });
      const top = await box(app!, ".session-top");
      const composer = await box(app!, ".composer");
      const nav = await box(app!, "nav.tabs");
      expect(top.y).toBe(0);
      expect(nav.y + nav.height).toBe(VIEWPORT.height);
      expect(composer.y + composer.height).toBeLessThanOrEqual(nav.y + 1);
      const transcript = composer.y - (top.y + top.height);
      expect(transcript / VIEWPORT.height).toBeGreaterThanOrEqual(0.7);

      // The header stays when the conversation scrolls.
      await page.evaluate("window.scrollTo(0, 200)");
      expect(await page.evaluate("window.scrollY")).toBe(200);
      expect((await box(app!, ".session-top")).y).toBe(0);

      // The sessions list and the inbox too.
      await page.goto(`${t.url}/#/sessions`);
      await page.getByTestId("session-row").first().waitFor();
      expect(await smallTapTargets(page)).toEqual([]);
      await status(t, id, "done");
      await askApproval(t, id, "One more?");
      await page.goto(`${t.url}/#/`);
      await page.getByTestId("waiting").getByRole("button", { name: "Send" }).waitFor();
      await page.getByTestId("approval").first().waitFor();
      expect(await smallTapTargets(page)).toEqual([]);
    });

    it("renames, ends and deletes the session from its page", async () => {
      const { t, page } = await setUp();
      const id = await externalSession(t, "old name");
      await output(t, id, "working");
      await pair(app!, TOKEN, `/session/${id}`);
      await page.getByRole("heading", { name: "old name" }).waitFor();

      await page.getByTestId("session-menu").tap();
      await page.getByRole("button", { name: "Rename" }).tap();
      await page.getByRole("textbox", { name: "Name", exact: true }).fill("new name");
      await page.getByRole("button", { name: "Save" }).tap();
      await page.getByRole("heading", { name: "new name" }).waitFor();
      expect((await t.api("GET", `/api/sessions/${id}`)).body.name).toBe("new name");

      await page.getByTestId("session-menu").tap();
      await page.getByRole("button", { name: "End session" }).tap();
      // Asked once more before it happens.
      expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("running");
      await page.getByRole("button", { name: "End session" }).tap();
      await page.getByText("This session has ended.").waitFor();
      expect((await t.api("GET", `/api/sessions/${id}`)).body.state).toBe("done");
      expect(await page.getByLabel("Message to the agent").count()).toBe(0);
      await page.getByText(/Session ended by web:linux-[0-9a-f]{4}/).waitFor();

      await page.getByTestId("session-menu").tap();
      await page.getByRole("button", { name: "Delete" }).tap();
      await page.getByRole("button", { name: "Delete session" }).tap();
      await page.getByRole("heading", { name: "Sessions" }).waitFor();
      expect((await t.api("GET", `/api/sessions/${id}`)).status).toBe(404);
      expect(await page.getByTestId("session-row").count()).toBe(0);
    });

    it("says there is no such session, and asks nothing more about it", async () => {
      const { t, page } = await setUp();
      await pair(app!, TOKEN);
      const asked: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("sess_doesnotexist")) asked.push(r.url());
      });
      // The page's clock is the test's: a minute of retries, were there any, passes at once.
      await page.clock.install();
      await page.goto(`${t.url}/#/session/sess_doesnotexist`);
      await page.getByRole("heading", { name: "No such session" }).waitFor();
      await page.clock.runFor(60_000);
      await page.getByRole("link", { name: "All sessions" }).waitFor();
      expect(asked).toEqual([`${t.url}/api/sessions/sess_doesnotexist`]);
    });

    it("shows an external session's id and the lines that connect its agent, which work as shown", async () => {
      const { t, page, phone } = await setUp();
      await pair(app!, TOKEN, "/new");
      await page.getByLabel("External agent").check();
      await page.getByRole("button", { name: "Start session" }).tap();
      await page.getByTestId("connect").waitFor();
      const id = /#\/session\/(sess_[\w-]+)/.exec(page.url())?.[1];
      expect(id).toBeDefined();
      expect(await page.getByTestId("session-id").textContent()).toBe(id);
      const snippet = (await page.getByLabel("connect lines").textContent()) ?? "";
      for (const call of ["output", "approval", "input?timeout=30"]) {
        expect(snippet).toContain(`"$TETHER_URL/external/sessions/${id}/${call}"`);
      }
      expect(snippet).toContain(`TETHER_URL=${t.url}`);
      expect(snippet).not.toContain(TOKEN);
      await screen(page, "external-session");

      // Copied as shown.
      await phone.context.grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: t.url,
      });
      await page.getByRole("button", { name: "Copy connect lines" }).tap();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(snippet);

      // Run in a shell, the lines are an agent: it writes, it asks, and it hears the answer.
      const lines = snippet.split("\n");
      const poll = lines.pop()!;
      expect(poll).toContain("input?timeout=30");
      await runShell(TOKEN, lines.join("\n"));
      await page.getByTestId("output").getByText("Hello from my agent").waitFor();
      const pinned = page.getByTestId("pinned");
      await pinned.getByText("Run the migration?").waitFor();
      const answer = runShell(TOKEN, [lines[0], lines[1], poll].join("\n"));
      await pinned.getByRole("button", { name: "Approve" }).tap();
      expect(JSON.parse(await answer)).toMatchObject({
        type: "approval_response",
        data: { option: "Approve" },
      });
    });

    it("shows a session started in a terminal as such, with no Interrupt the terminal has to do", async () => {
      const { t, page } = await setUp();
      // What Tether's hook in a terminal's Claude Code sends when the user types a prompt.
      const hooked = await t.api("POST", "/api/hooks/claude", {
        session_id: "5d0c7e1a-0000-4000-8000-0000000000aa",
        hook_event_name: "UserPromptSubmit",
        cwd: "/home/ada/app",
        transcript_path: "/home/ada/.claude/projects/-home-ada-app/5d0c7e1a.jsonl",
        prompt: "fix the flaky login test",
        tether_agent_process: { pid: process.pid, start: null },
      });
      expect(hooked.status, hooked.text).toBe(200);
      const session = (await t.api("GET", "/api/sessions")).body.sessions[0];
      expect(session).toMatchObject({ kind: "claude_terminal", state: "running" });

      await pair(app!, TOKEN, `/session/${session.id}`);
      await page.getByText("fix the flaky login test").first().waitFor();
      await expect(page.getByTestId("terminal").textContent()).resolves.toBe(
        `in a terminal (pid ${process.pid})`,
      );
      // Running, yet only its terminal can interrupt it.
      await expect(page.getByRole("button", { name: "Interrupt" }).count()).resolves.toBe(0);
    });
  },
);
