// What the browser tests of the phone app share: a daemon and a phone per test, pairing, agents
// that speak the External Agent API, and measurements taken in the page (in-page code is passed
// as strings: this file compiles for Node, without the DOM's types).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { openPhone, type PhoneBrowser, screenshot } from "./browser.js";
import { startTestDaemon, type TestDaemon } from "./daemon.js";
import { TestSocket } from "./socket.js";

export interface PhoneApp {
  t: TestDaemon;
  phone: PhoneBrowser;
  page: Page;
  close(): Promise<void>;
}

export async function startPhoneApp(token: string): Promise<PhoneApp> {
  const t = await startTestDaemon({ token });
  let phone: PhoneBrowser;
  try {
    phone = await openPhone();
    // A tapped answer is sent at once, not after the card's five seconds to undo it.
    await phone.context.addInitScript("window.TETHER_UNDO_MS = 0");
  } catch (error) {
    await t.close();
    throw error;
  }
  return {
    t,
    phone,
    page: phone.page,
    async close() {
      await phone.close();
      await t.close();
    },
  };
}

/** Pairs the phone by its link, then opens `then` (a hash route). */
export async function pair(app: PhoneApp, token: string, then = "/"): Promise<void> {
  await app.page.goto(`${app.t.url}/#/pair?token=${token}`);
  await app.page.getByRole("heading", { name: "Needs you" }).waitFor();
  if (then !== "/") await app.page.goto(`${app.t.url}/#${then}`);
}

export async function externalSession(t: TestDaemon, name: string): Promise<string> {
  const res = await t.api("POST", "/external/sessions", {
    agent_metadata: {
      name: "test-agent",
      type: "custom",
      icon: null,
      workspace: "/home/dev/project",
    },
    session_name: name,
    platform: "web",
  });
  expect(res.status).toBe(200);
  return res.body.session_id as string;
}

export async function output(t: TestDaemon, id: string, text: string, kind?: string) {
  const res = await t.api("POST", `/external/sessions/${id}/output`, {
    text,
    ...(kind ? { kind } : {}),
  });
  expect(res.status).toBe(200);
}

/** `count` outputs, as an agent on the External WebSocket sends them: back to back, each
 * committed and acknowledged. Much faster than as many HTTP requests, for a long history. */
export async function manyOutputs(
  t: TestDaemon,
  id: string,
  count: number,
  text: (i: number) => string,
) {
  const socket = await TestSocket.open(`${t.wsUrl}/external/sessions/${id}/ws`, {
    authorization: `Bearer ${t.token}`,
  });
  try {
    for (let i = 0; i < count; i++) socket.send({ type: "output", data: { text: text(i) } });
    for (let i = 0; i < count; i++)
      await socket.next((m) => m.type === "ack" && m.data.for === "output");
  } finally {
    await socket.close();
  }
}

export async function status(t: TestDaemon, id: string, value: string, message?: string) {
  const res = await t.api("POST", `/external/sessions/${id}/status`, {
    status: value,
    ...(message ? { message } : {}),
  });
  expect(res.status).toBe(200);
}

export async function askApproval(t: TestDaemon, id: string, title: string): Promise<string> {
  const res = await t.api("POST", `/external/sessions/${id}/approval`, {
    title,
    description: "ALTER TABLE users ADD COLUMN last_seen timestamptz",
    options: ["Approve", "Reject"],
  });
  expect(res.status).toBe(200);
  return res.body.request_id as string;
}

const SCREENS = fileURLToPath(new URL("../../test-artifacts/screens/", import.meta.url));

/** Saves a screenshot for the README under test-artifacts/screens/. */
export function screen(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS, { recursive: true });
  return screenshot(page, `screens/${name}`);
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every visible control a thumb taps that is smaller than 44×44 CSS px, described. Links
 * inside an agent's text are words in a sentence, not controls, and are left out (WCAG 2.5.8's
 * inline exception). */
export function smallTapTargets(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const controls = document.querySelectorAll(
      "a[href], button, summary, select, textarea, input:not([type=hidden])",
    );
    const small = [];
    for (const el of controls) {
      if (el.closest(".markdown")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (getComputedStyle(el).visibility === "hidden") continue;
      if (r.width < 44 || r.height < 44) {
        const name = (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40);
        small.push(el.tagName.toLowerCase() + " " + JSON.stringify(name) + " " +
          Math.round(r.width) + "x" + Math.round(r.height));
      }
    }
    return small;
  })()`);
}

/** How wide the page is laid out: more than the viewport means it scrolls sideways. */
export function pageScrollWidth(page: Page): Promise<number> {
  return page.evaluate("document.documentElement.scrollWidth");
}

/** Runs `script` in bash with `token` as TETHER_AGENT_TOKEN, as a user's shell would have it:
 * the lines the app shows to paste are run as shown. */
export function runShell(token: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euc", script], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TETHER_AGENT_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bash exited ${code}: ${err}`)),
    );
  });
}
