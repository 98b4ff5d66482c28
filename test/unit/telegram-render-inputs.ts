// The rules every text the Telegram renderers make keeps; shared by the render tests (their
// hostile inputs and records are the bridges' own, in bridge-render-inputs.ts).
import { expect } from "vitest";
import { MESSAGE_LIMIT } from "../../dist/bridges/telegram/render.js";
import { parseHtml } from "../fakes/telegram-html.js";

export const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The rules every rendered text keeps: it parses, holds no surrogate half, and fits. */
export function expectSendable(html: string, limit: number = MESSAGE_LIMIT): void {
  const parsed = parseHtml(html);
  if ("error" in parsed)
    throw new Error(`${parsed.error} in ${JSON.stringify(html.slice(0, 300))}`);
  expect(LONE.test(html), "a lone surrogate").toBe(false);
  expect(html.length).toBeLessThanOrEqual(limit);
}
