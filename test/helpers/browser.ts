// Real headless Chromium (Debian's `chromium`) driven by playwright-core, with the flags this
// closed network needs (shared/research/browser.md). Outside CI a machine without Chromium skips
// the browser tests and says why; in CI, .ci/run installs it, so its absence is a failure.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.TETHER_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can (or must, in CI). */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI) return undefined;
  return `${CHROMIUM} is missing: install it (apt-get install -y chromium) to run the web app tests`;
}

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A phone: 360×640 CSS pixels at 2× density, touch, dark mode. */
export const PHONE = {
  viewport: { width: 360, height: 640 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  colorScheme: "dark" as const,
};

export interface PhoneBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `args`: more Chromium switches, e.g. --host-resolver-rules to reach a made-up LAN name. */
export async function openPhone(options: { args?: string[] } = {}): Promise<PhoneBrowser> {
  // launch() runs Chromium on a new, empty profile of its own, removed on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...ARGS, ...(options.args ?? [])],
  });
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    close: () => browser.close(),
  };
}

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

/** Saves a screenshot under test-artifacts/ (gitignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
