// Approval cards a phone can judge, in real headless Chromium at 360×640 against the real daemon:
// a 300-line diff that leaves the answers on the first screen, a shell command as code, Markdown
// that renders and cannot inject, an answer held for undo before it is sent (once), a risky
// option that asks for a confirmation, who answered, and the whole card opening its session.
import type { Locator, Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "approval-cards-token-7d1e-0123456789abcdef0123";
const skip = browserSkipReason();
const PHONE_HEIGHT = 640;

let phone: PhoneBrowser | undefined;
let daemon: TestDaemon | undefined;

afterEach(async () => {
  await phone?.close();
  phone = undefined;
  await daemon?.close();
  daemon = undefined;
});

interface Rig {
  t: TestDaemon;
  page: Page;
  /** POSTs to /api/approvals/<id>/resolve this page has made, by approval id. */
  resolves: string[];
}

async function setUp(): Promise<Rig> {
  const t = await startTestDaemon({ token: TOKEN });
  daemon = t;
  phone = await openPhone();
  // A step that never comes fails with its own message, well before the test's timeout.
  phone.page.setDefaultTimeout(10_000);
  const resolves: string[] = [];
  phone.page.on("request", (request) => {
    const match = /\/api\/approvals\/([^/]+)\/resolve$/.exec(new URL(request.url()).pathname);
    if (match && request.method() === "POST") resolves.push(decodeURIComponent(match[1]!));
  });
  return { t, page: phone.page, resolves };
}

/** Pairs, then opens `path` (the inbox by default). */
async function pair({ t, page }: Rig, path = "/") {
  await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
  await page.getByRole("heading", { name: "Needs you" }).waitFor();
  if (path !== "/") await page.goto(`${t.url}/#${path}`);
}

/** How long a tap is held before it is sent, in this page from now on. */
async function undoWindow(page: Page, ms: number) {
  await page.evaluate(`window.TETHER_UNDO_MS = ${ms}`);
}

async function externalSession(
  t: TestDaemon,
  name: string,
  workspace = "/home/dev/api",
): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: { name: "test-agent", type: "custom", icon: null, workspace },
    session_name: name,
  });
  expect(res.status).toBe(200);
  return res.body.session_id as string;
}

async function ask(t: TestDaemon, sessionId: string, body: Record<string, unknown>) {
  const res = await t.api("POST", `/external/sessions/${sessionId}/approval`, body);
  expect(res.status, res.text).toBe(200);
  return res.body.request_id as string;
}

async function approvalOf(t: TestDaemon, id: string) {
  return (await t.api("GET", `/api/approvals/${id}`)).body;
}

function card(page: Page, approvalId: string): Locator {
  return page.locator(`[data-testid="approval"][data-approval-id="${approvalId}"]`);
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  expect(b, "element is laid out").not.toBeNull();
  return b!;
}

/** The element at the middle of `locator` is it (or inside it): nothing covers it there. */
async function uncovered(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = el.ownerDocument.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && el.contains(hit);
  });
}

/** Every button and link in `scope` is at least 44 px tall (and wide). */
async function expectTapTargets(scope: Locator) {
  const sizes = await scope
    .locator("button, a")
    .evaluateAll((els) =>
      els.map((el) => [el.textContent?.trim(), el.getBoundingClientRect().height] as const),
    );
  expect(sizes.length).toBeGreaterThan(0);
  for (const [name, height] of sizes)
    expect(height, `${name} is tall enough`).toBeGreaterThanOrEqual(44);
}

const lines = (n: number, line: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => line(i)).join("\n");

describe.skipIf(skip !== undefined)(
  skip ? `approval cards in Chromium (skipped: ${skip})` : "approval cards in Chromium",
  () => {
    it("keeps a 300-line diff's answers on the first screen, with the diff coloured and named", async () => {
      const rig = await setUp();
      const { t, page } = rig;
      const id = await externalSession(
        t,
        "refactor auth",
        "/home/dev/projects/tether-auth-service",
      );
      const before = lines(300, (i) => `const value${i} = compute(${i});`);
      const after = lines(300, (i) =>
        i % 2 ? `const value${i} = compute(${i});` : `let value${i} = await computeAsync(${i});`,
      );
      const approvalId = await ask(t, id, {
        title: "Edit: src/auth/login.ts",
        description: "Claude wants to use Edit",
        options: ["Approve", "Reject"],
        tool_name: "Edit",
        tool_input: { file_path: "src/auth/login.ts", old_string: before, new_string: after },
      });
      await pair(rig);
      const c = card(page, approvalId);
      await c.waitFor();

      // The answers are on the first screen, not under the tab bar, and the card is short.
      const approve = c.getByRole("button", { name: "Approve" });
      const reject = c.getByRole("button", { name: "Reject" });
      for (const button of [approve, reject]) {
        const b = await box(button);
        expect(b.y + b.height).toBeLessThanOrEqual(PHONE_HEIGHT);
        expect(await uncovered(button)).toBe(true);
      }
      const collapsed = await box(c);
      expect(collapsed.height).toBeLessThan(PHONE_HEIGHT);

      // The diff: the file named, removed lines and added lines, each in its own colour.
      await expect(c.getByTestId("diff-path").textContent()).resolves.toBe("src/auth/login.ts");
      const added = c.locator('[data-kind="add"]');
      const removed = c.locator('[data-kind="del"]');
      // Cut, the card builds only the diff's start.
      expect(await added.count()).toBeGreaterThan(5);
      expect(await added.count()).toBeLessThan(150);
      await expect(added.first().textContent()).resolves.toContain(
        "let value0 = await computeAsync(0);",
      );
      await expect(removed.first().textContent()).resolves.toContain("const value0 = compute(0);");
      const colour = (l: Locator) =>
        l.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor);
      const [addColour, delColour, kept] = await Promise.all([
        colour(added.first()),
        colour(removed.first()),
        colour(c.locator('[data-kind="ctx"]').first()),
      ]);
      expect(addColour).not.toBe(delColour);
      for (const coloured of [addColour, delColour]) {
        expect(coloured).not.toBe(kept);
        expect(coloured).not.toBe("rgba(0, 0, 0, 0)");
      }
      // Session, directory and age on the card; every target big enough for a thumb.
      await expect(c.getByTestId("approval-session").textContent()).resolves.toBe("refactor auth");
      await c.getByText("…/projects/tether-auth-service", { exact: true }).waitFor();
      await c.getByText("just now").waitFor();
      await expectTapTargets(c);
      await screenshot(page, "screens/approval-card-diff");

      // Show all opens the whole diff; nothing was answered by any of this.
      await c.getByRole("button", { name: "Show all" }).tap();
      await c.getByRole("button", { name: "Show less" }).waitFor();
      expect((await box(c)).height).toBeGreaterThan(PHONE_HEIGHT * 2);
      expect(await added.count()).toBe(150);
      expect(await removed.count()).toBe(150);
      expect(rig.resolves).toEqual([]);
      expect((await approvalOf(t, approvalId)).status).toBe("pending");
    });

    it("shows a shell command as code, file changes as diffs, and other tools as folded JSON", async () => {
      const rig = await setUp();
      const { t, page } = rig;
      const id = await externalSession(t, "tools");
      const bash = await ask(t, id, {
        title: "Bash: git push --force origin main",
        description: "Claude wants to use Bash",
        options: ["Allow", "Deny"],
        tool_name: "Bash",
        tool_input: { command: "git push --force origin main", description: "Push" },
      });
      const codexCommand = await ask(t, id, {
        title: "command: rm -rf build",
        options: ["Allow", "Deny"],
        tool_name: "command",
        tool_input: { command: "rm -rf build", cwd: "/home/dev/api", reason: null },
      });
      const patch = await ask(t, id, {
        title: "apply_patch: update src/a.ts, add notes.md",
        options: ["Allow", "Deny"],
        tool_name: "apply_patch",
        tool_input: {
          changes: [
            {
              path: "src/a.ts",
              kind: { type: "update", move_path: null },
              diff: "@@ -1,2 +1,2 @@\n-old line\n+new line\n same",
            },
            { path: "notes.md", kind: { type: "add" }, diff: "# Notes\nhello\n" },
          ],
          reason: null,
          grant_root: null,
        },
      });
      const unknown = await ask(t, id, {
        title: "WebFetch: https://example.test",
        options: ["Allow", "Deny"],
        tool_name: "WebFetch",
        tool_input: { url: "https://example.test", prompt: "summarise" },
      });
      const question = await ask(t, id, {
        title: "Which database should the service use?",
        description: "Pick one",
        options: ["PostgreSQL", "SQLite", "MySQL", "Keep the current one"],
      });
      await pair(rig);

      const command = card(page, bash).getByTestId("tool-command");
      await expect(command.locator("pre code").textContent()).resolves.toBe(
        "git push --force origin main",
      );
      const codex = card(page, codexCommand).getByTestId("tool-command");
      await expect(codex.locator("code").textContent()).resolves.toBe("rm -rf build");
      await codex.getByText("in /home/dev/api").waitFor();

      const files = card(page, patch).getByTestId("diff-file");
      expect(await files.count()).toBe(2);
      await expect(files.nth(0).getByTestId("diff-path").textContent()).resolves.toBe("src/a.ts");
      await files.nth(0).locator('[data-kind="del"]', { hasText: "old line" }).waitFor();
      await files.nth(0).locator('[data-kind="add"]', { hasText: "new line" }).waitFor();
      await files.nth(1).getByText("new file").waitFor();
      expect(await files.nth(1).locator('[data-kind="add"]').count()).toBe(2);

      const json = card(page, unknown).getByTestId("tool-json");
      expect(await json.getAttribute("open")).toBeNull();
      await json.locator("summary").tap();
      await expect(json.locator("pre").textContent()).resolves.toBe(
        JSON.stringify({ url: "https://example.test", prompt: "summarise" }, null, 2),
      );
      expect(await page.url()).not.toContain("/session/");

      // A question's choices, one under another, each a full tap target.
      const choices = card(page, question).getByRole("button");
      expect(await choices.allTextContents()).toEqual(
        ["PostgreSQL", "SQLite", "MySQL", "Keep the current one"].map((c) =>
          expect.stringContaining(c),
        ),
      );
      const boxes = await Promise.all([0, 1, 2, 3].map((i) => box(choices.nth(i))));
      for (const [i, b] of boxes.entries()) {
        expect(b.height).toBeGreaterThanOrEqual(44);
        if (i > 0) expect(b.y).toBeGreaterThan(boxes[i - 1]!.y);
      }
      await card(page, bash).scrollIntoViewIfNeeded();
      await screenshot(page, "screens/approval-card-command");
    });

    it("renders the description as Markdown, and nothing in it runs", async () => {
      const rig = await setUp();
      const { t, page } = rig;
      const id = await externalSession(t, "markdown");
      const approvalId = await ask(t, id, {
        title: "Run the <b>migration</b>?",
        description: [
          "# Migration plan",
          "",
          "Adds a column to **users**.",
          "",
          "```sql",
          "ALTER TABLE users ADD COLUMN last_seen timestamptz;",
          "```",
          "",
          '<script>window.pwned = "script"</script><img src=x onerror="window.pwned = \'img\'">',
        ].join("\n"),
      });
      await pair(rig);
      const c = card(page, approvalId);
      const description = c.getByTestId("approval-description");
      await description.getByRole("heading", { name: "Migration plan" }).waitFor();
      await description.locator("strong", { hasText: "users" }).waitFor();
      await expect(description.locator("pre.code-block code").textContent()).resolves.toBe(
        "ALTER TABLE users ADD COLUMN last_seen timestamptz;",
      );
      // The payloads are shown as text: no element was made of them, and nothing ran.
      await description
        .getByText('<script>window.pwned = "script"</script>', { exact: false })
        .waitFor();
      expect(await c.locator("script, img, b").count()).toBe(0);
      await c.getByText("Run the <b>migration</b>?").waitFor();
      expect(await page.evaluate("window.pwned")).toBeUndefined();
      await screenshot(page, "screens/approval-card-markdown");
    });

    it("holds a tap for undo: undone sends nothing, and after the window it is sent once", async () => {
      const rig = await setUp();
      const { t, page, resolves } = rig;
      const id = await externalSession(t, "deploy");
      const deploy = await ask(t, id, { title: "Deploy to staging?" });
      const smoke = await ask(t, id, { title: "Run the smoke tests?" });
      await pair(rig, `/session/${id}`);
      const c = card(page, deploy);
      await c.getByTestId("needs-answer").waitFor();

      // Long enough to tap Undo in, short enough to wait for.
      await undoWindow(page, 2500);
      await c.getByRole("button", { name: "Approve" }).tap();
      const held = c.getByTestId("held-answer");
      await held.waitFor();
      expect(((await held.textContent()) ?? "").replace(/\s+/g, " ")).toMatch(
        /^Approved ?· ?Undo$/,
      );
      await expectTapTargets(held);
      await screenshot(page, "screens/approval-card-undo");
      expect((await approvalOf(t, deploy)).status).toBe("pending");
      await c.getByRole("button", { name: "Undo" }).tap();
      // The card is back as it was.
      await c.getByRole("button", { name: "Approve" }).waitFor();
      expect(await held.count()).toBe(0);

      // Another approval answered with the same window: once that one is sent, the undone
      // tap's window (which began earlier) is over too, and it sent nothing.
      const other = card(page, smoke);
      await other.getByRole("button", { name: "Reject" }).tap();
      await other.getByTestId("held-answer").getByText("Rejected").waitFor();
      await waitFor(() => resolves.length > 0, {
        what: "the answer to be sent",
        timeoutMs: 15_000,
      });
      await other
        .getByTestId("answered-by")
        .filter({ hasText: /Answered by web:linux-[0-9a-f]{4}: Reject/ })
        .waitFor();
      expect(resolves).toEqual([smoke]);
      expect((await approvalOf(t, deploy)).status).toBe("pending");
      await c.getByTestId("needs-answer").waitFor();

      // Answered again and left alone: sent once the window is over, exactly once.
      await undoWindow(page, 300);
      await c.getByRole("button", { name: "Approve" }).tap();
      await c
        .getByTestId("answered-by")
        .filter({ hasText: /Answered by web:linux-[0-9a-f]{4}: Approve/ })
        .waitFor();
      expect(resolves).toEqual([smoke, deploy]);
      expect(await approvalOf(t, deploy)).toMatchObject({
        status: "resolved",
        decision: "Approve",
        decided_by: expect.stringMatching(/^web:linux-[0-9a-f]{4}$/),
      });
      // Who answered, instead of "Needs your answer", and nothing left to tap.
      expect(await c.getByTestId("needs-answer").count()).toBe(0);
      expect(await c.getByRole("button").count()).toBe(0);
      await screenshot(page, "screens/approval-card-answered");
    });

    it("shows who answered when someone else did while a tap was held, and sends nothing", async () => {
      const rig = await setUp();
      const { t, page, resolves } = rig;
      const id = await externalSession(t, "release");
      const approvalId = await ask(t, id, { title: "Tag the release?" });
      await pair(rig, `/session/${id}`);
      const c = card(page, approvalId);
      await undoWindow(page, 60_000);
      await c.getByRole("button", { name: "Approve" }).tap();
      await c.getByTestId("held-answer").waitFor();

      const res = await t.api("POST", `/api/approvals/${approvalId}/resolve`, {
        option: "Reject",
        decided_by: "cli:alice",
      });
      expect(res.status).toBe(200);
      await c
        .getByTestId("answered-by")
        .filter({ hasText: "Answered by cli:alice: Reject" })
        .waitFor();
      await c.getByTestId("not-sent").filter({ hasText: "Approve" }).waitFor();
      expect(await c.getByTestId("held-answer").count()).toBe(0);
      expect(resolves).toEqual([]);
    });

    it("asks to confirm a risky option, and sends it at once when confirmed", async () => {
      const rig = await setUp();
      const { t, page, resolves } = rig;
      const id = await externalSession(t, "git");
      const approvalId = await ask(t, id, {
        title: "Push the rewritten history?",
        options: ["Push", "Force-push", "Cancel"],
        risky_options: ["Force-push"],
      });
      await pair(rig, `/session/${id}`);
      const c = card(page, approvalId);
      // A window no test waits for: only the confirmation can send this.
      await undoWindow(page, 60_000);

      await c.getByRole("button", { name: "Force-push" }).tap();
      const confirm = c.getByTestId("confirm-risky");
      await confirm.getByText("Force-push?").waitFor();
      await screenshot(page, "screens/approval-card-risky");
      await confirm.getByRole("button", { name: "Cancel" }).tap();
      await c.getByRole("button", { name: "Force-push" }).waitFor();
      expect(resolves).toEqual([]);

      await c.getByRole("button", { name: "Force-push" }).tap();
      await confirm.getByRole("button", { name: "Confirm" }).tap();
      await c
        .getByTestId("answered-by")
        .filter({ hasText: /Answered by web:linux-[0-9a-f]{4}: Force-push/ })
        .waitFor();
      expect(resolves).toEqual([approvalId]);
      expect((await approvalOf(t, approvalId)).decision).toBe("Force-push");
      // A plain option of the same approval would have been held: the confirm replaced the hold.
      expect(await c.getByTestId("held-answer").count()).toBe(0);
    });

    it("opens its session when tapped anywhere but its buttons", async () => {
      const rig = await setUp();
      const { t, page, resolves } = rig;
      const id = await externalSession(t, "open me");
      const approvalId = await ask(t, id, {
        title: "Open the session?",
        description: "Tap the card, not a button.",
      });
      await pair(rig);
      const c = card(page, approvalId);
      await undoWindow(page, 60_000);

      // A button answers (held) and stays in the inbox.
      await c.getByRole("button", { name: "Approve" }).tap();
      await c.getByTestId("held-answer").waitFor();
      expect(new URL(page.url()).hash).toBe("#/");
      await c.getByRole("button", { name: "Undo" }).tap();
      await c.getByRole("button", { name: "Approve" }).waitFor();

      // The card's text opens the session.
      await c.getByText("Tap the card, not a button.").tap();
      await page.waitForURL((url) => url.hash === `#/session/${id}`);
      await page.getByRole("heading", { name: "open me" }).waitFor();
      // There, the card opens nothing.
      const there = card(page, approvalId);
      await there.getByText("Tap the card, not a button.").tap();
      expect(new URL(page.url()).hash).toBe(`#/session/${id}`);
      expect(resolves).toEqual([]);
    });
  },
);
