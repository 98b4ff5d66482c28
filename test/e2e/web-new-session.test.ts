// The New session screen says what will happen before anything does: which agent runs by
// default (TETHER_AGENT_ADAPTER) and the folder it runs in with the directory left empty (the
// first of TETHER_ALLOWED_ROOTS, as the server resolves it: GET /api/agents); it offers the
// folders recent sessions ran in; a session without a name is named after its prompt; and the
// prompt is recorded as the paired device's (web:<device>), not the API's.
import { mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { browserSkipReason, openPhone, type PhoneBrowser, screenshot } from "../helpers/browser.js";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "web-new-session-token-3e9f-0123456789abcdef012345";
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

/** Two allowed roots (the first one real), as TETHER_ALLOWED_ROOTS takes them. */
function roots(): { first: string; second: string } {
  const d = tempDir("tether-new-view-");
  dirs.push(d);
  const first = join(d.path, "work");
  const second = join(d.path, "more");
  mkdirSync(first);
  mkdirSync(second);
  return { first, second };
}

async function daemon(env: Record<string, string>): Promise<TestDaemon> {
  const t = await startTestDaemon({ token: TOKEN, env });
  daemons.push(t);
  return t;
}

describe("GET /api/agents", () => {
  it("says the default adapter, the others, and where a session without a directory runs", async () => {
    const { first, second } = roots();
    const t = await daemon({
      TETHER_AGENT_ADAPTER: "codex_sdk_sidecar",
      TETHER_ALLOWED_ROOTS: `${first}:${second}`,
    });
    const res = await t.api("GET", "/api/agents");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      default_kind: "codex_sdk_sidecar",
      default_directory: realpathSync(first),
      allowed_roots: [first, second],
    });
    expect(res.body.kinds.map((k: { kind: string }) => k.kind)).toEqual([
      "claude_auto",
      "claude_subprocess",
      "claude_api",
      "codex_sdk_sidecar",
    ]);
    expect(res.body.kinds[3]).toMatchObject({
      alias: "codex",
      agent: "Codex via `codex app-server`",
    });
    // It needs the token like everything else.
    expect((await fetch(`${t.url}/api/agents`)).status).toBe(401);
  });

  it("has no default directory when the first root is missing", async () => {
    const { first } = roots();
    const t = await daemon({ TETHER_ALLOWED_ROOTS: `${join(first, "gone")}:${first}` });
    expect((await t.api("GET", "/api/agents")).body.default_directory).toBeNull();
  });

  it("a session created without a name is named after its prompt", async () => {
    const t = await daemon({});
    const named = await t.api("POST", "/api/sessions", {
      kind: "external",
      prompt: "Add a health check to the worker\nand wire it into the dashboard",
    });
    expect(named.status, named.text).toBe(201);
    expect(named.body.name).toBe("Add a health check to the worker");
    const given = await t.api("POST", "/api/sessions", {
      kind: "external",
      name: "mine",
      prompt: "x y",
    });
    expect(given.body.name).toBe("mine");
    const bare = await t.api("POST", "/api/sessions", { kind: "external" });
    expect(bare.body.name).toBe("external");
  });
});

const skipBrowser = skip !== undefined;
describe.skipIf(skipBrowser)(
  skip ? `the New session screen (skipped: ${skip})` : "the New session screen",
  () => {
    async function paired(t: TestDaemon): Promise<Page> {
      phone = await openPhone();
      const page = phone.page;
      await page.goto(`${t.url}/#/pair?token=${TOKEN}`);
      await page.getByRole("heading", { name: "Needs you" }).waitFor();
      return page;
    }

    it("shows the default agent and folder, offers recent folders, and names the session from the prompt", async () => {
      const { first, second } = roots();
      const t = await daemon({
        TETHER_AGENT_ADAPTER: "codex_sdk_sidecar",
        TETHER_ALLOWED_ROOTS: `${first}:${second}`,
      });
      // Two earlier sessions, the newest last: its folder comes first.
      for (const directory of ["/srv/old-project", "/srv/api"]) {
        const res = await t.api("POST", "/api/sessions", { kind: "external", directory });
        expect(res.status).toBe(201);
      }
      const page = await paired(t);
      await page.goto(`${t.url}/#/new`);
      await page.getByRole("heading", { name: "New session" }).waitFor();

      const defaults = page.getByTestId("new-defaults");
      await defaults.waitFor();
      expect(await defaults.textContent()).toMatch(
        /Runs Codex \(codex_sdk_sidecar,\s+the default from TETHER_AGENT_ADAPTER\) unless you pick another/,
      );
      expect(await page.getByRole("radio", { name: /Codex/ }).isChecked()).toBe(true);
      const hint = page.getByTestId("directory-hint");
      expect(await hint.textContent()).toContain(
        `Left empty, the agent runs in ${realpathSync(first)}, the first of`,
      );
      expect(await page.getByTestId("login-hint").textContent()).toContain(
        "Logs in with your Codex login (codex login)",
      );

      const recent = page.getByTestId("recent-dir");
      expect(await recent.allTextContents()).toEqual(["/srv/api", "/srv/old-project"]);
      for (const box of await recent.evaluateAll((els) =>
        els.map((el) => el.getBoundingClientRect().height),
      )) {
        expect(box).toBeGreaterThanOrEqual(44);
      }
      await screenshot(page, "screens/new-session");

      await recent.first().click();
      expect(await page.getByLabel("Directory").inputValue()).toBe("/srv/api");
      expect(await hint.textContent()).toContain(
        "The agent runs in /srv/api, which must be inside",
      );

      // An outside agent: no process to start here, so the test stays on the wire.
      await page.getByRole("radio", { name: /External agent/ }).check();
      expect(await hint.textContent()).toContain("An external agent works wherever it runs");
      await page.getByLabel("First prompt").fill("Rotate the signing keys\nand update the docs");
      expect(await page.getByTestId("session-name").getAttribute("placeholder")).toBe(
        "Rotate the signing keys",
      );
      await page.getByRole("button", { name: "Start session" }).click();

      const id = await waitFor(() => /#\/session\/(sess_\w+)/.exec(page.url())?.[1], {
        what: "the new session's page",
      });
      const session = await t.api("GET", `/api/sessions/${id}`);
      expect(session.body).toMatchObject({
        name: "Rotate the signing keys",
        kind: "external",
        directory: "/srv/api",
      });
      // The first prompt is the device's, as the pairing cookie says, not the API's.
      const events = await t.api("GET", `/api/sessions/${id}/events?since_seq=0&limit=100`);
      const input = events.body.events.find((e: { type: string }) => e.type === "human_input");
      expect(input.data).toMatchObject({ text: "Rotate the signing keys\nand update the docs" });
      const port = new URL(t.url).port;
      const cookie = (await phone!.context.cookies()).find((c) => c.name === `tether_${port}`);
      const device = cookie!.value.split(".")[0];
      expect(input.data.sender).toBe(`web:${device}`);
    });
  },
);
