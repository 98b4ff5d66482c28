// Hostile inputs for the Slack renderers (the bridges' own, and what breaks mrkdwn and Block Kit
// in particular) and the rule every rendered message keeps.
import { expect } from "vitest";
import { checkMessage, type SlackMessage } from "../../dist/bridges/slack/render.js";
import { NASTY as NASTY_FOR_ALL } from "./bridge-render-inputs.js";

export const NASTY: string[] = [
  ...NASTY_FOR_ALL,
  "<!channel> <!here> <@U0123> <#C0123|general> <https://x.y|z>",
  "a | b || <|> |",
  "``````",
  "```\n```\n```",
  "~~~\n```\n~~~",
  "``` ``` ``` `` ` `` `",
  "&amp;lt; &gt &lt",
  `${"a".repeat(2999)}😀`,
  `${"&".repeat(999)}👨‍👩‍👧‍👦 tail`,
  `${"x".repeat(39_999)}😀`,
  "e\u0301".repeat(20_000),
  "\u0301".repeat(500),
  `[${"l".repeat(500)}](https://x.example/${"p".repeat(1990)}) `.repeat(3),
  `https://x.example/${"&".repeat(3000)}`,
  `> ${"q<".repeat(3000)}`,
  `| a | b |\n|---|---|\n${"| <x> | ``` |\n".repeat(3000)}`,
  `\`\`\`\n${"`".repeat(9000)}\n\`\`\``,
  `${"**b** _i_ ~~s~~ `c` ".repeat(3000)}`,
];

/** The rule every rendered message keeps: Slack takes it as it is. */
export function expectFits(message: SlackMessage): void {
  const problems = checkMessage(message);
  if (problems.length > 0) {
    expect.fail(`${problems.join("\n")}\nin ${JSON.stringify(message).slice(0, 600)}`);
  }
}

/** mrkdwn as the reader sees it: entities decoded, the zero-width spaces that keep backticks
 * apart left out. */
export function seen(mrkdwn: string): string {
  return mrkdwn
    .replace(/\u200B/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
