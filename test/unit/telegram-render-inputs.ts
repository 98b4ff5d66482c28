// Hostile inputs for the Telegram renderers, and the rules every rendered text keeps; shared by
// the render tests.
import { expect } from "vitest";
import { MESSAGE_LIMIT } from "../../dist/bridges/telegram/render.js";
import type { Approval } from "../../dist/shared/schemas.js";
import { parseHtml } from "../fakes/telegram-html.js";

/** Inputs that have broken renderers: markup, entities, unbalanced marks, emoji at a cut,
 * surrogate halves, and sizes far past a message. */
export const NASTY: string[] = [
  "",
  " ",
  "\n\n\n",
  "<",
  ">",
  "&",
  "&amp;",
  "&#x1F600; &lt; &bogus;",
  "a < b && c > d",
  "<b>not a tag</b> <script>alert(1)</script>",
  '"quoted" \'single\' <a href="x">',
  "`",
  "```",
  "```ts\nconst x = a < b; // <tag> & `code`\n",
  "``` unclosed fence <x>\nline",
  "`a <b>` and `unbalanced <c>",
  "**",
  "*",
  "_",
  "__init__ and snake_case_name",
  "**bold with `code **` inside",
  "*a **b* c**",
  "***",
  "~~~\n~~",
  '[x](javascript:alert(1)) [y](https://a.b/"><b>) [z](https://ok.example/?a=1&b=<2>)',
  "# \n## <h2> **x**\n> > quote <q>\n- * + bullets",
  "\\*escaped\\* \\",
  "tab\there\r\nwindows\rmac",
  "\u0000\u0007\u001b[31mred\u001b[0m",
  "👍🏽".repeat(2000),
  "👨‍👩‍👧‍👦".repeat(1000),
  `${"a".repeat(MESSAGE_LIMIT - 1)}😀tail`,
  `${"<".repeat(3499)}😀`,
  "😀".repeat(60_000),
  "\uD83D lone high, lone low \uDE00",
  "x".repeat(100_000),
  "<".repeat(100_000),
  "&".repeat(30_000),
  "*a ".repeat(30_000),
  "`".repeat(5000),
  "_a_".repeat(30_000),
  "line <i>\n".repeat(10_000),
  `\`\`\`\n${"<tag> & </tag>\n".repeat(7000)}\`\`\``,
  `**${"b".repeat(5000)}** ${"[a](https://x.y) ".repeat(3000)}`,
];

export const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The rules every rendered text keeps: it parses, holds no surrogate half, and fits. */
export function expectSendable(html: string, limit: number = MESSAGE_LIMIT): void {
  const parsed = parseHtml(html);
  if ("error" in parsed)
    throw new Error(`${parsed.error} in ${JSON.stringify(html.slice(0, 300))}`);
  expect(LONE.test(html), "a lone surrogate").toBe(false);
  expect(html.length).toBeLessThanOrEqual(limit);
}

/** A pending Bash approval as Claude asks it; `over` changes any field. */
export const bashApproval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_1",
  session_id: "ses_1",
  seq: 3,
  title: "Bash: npm test",
  description: "Claude wants to use Bash",
  options: ["Allow", "Deny", "Allow Bash for this session"],
  tool_name: "Bash",
  tool_input: { command: "npm test" },
  status: "pending",
  decision: null,
  decided_by: null,
  created_at: "2025-01-01T00:00:00Z",
  resolved_at: null,
  ...over,
});
