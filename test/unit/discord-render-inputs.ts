// Hostile inputs for the Discord renderers (the bridges' own, and what breaks Discord's Markdown
// and components in particular) and the rule every rendered message keeps.
import { expect } from "vitest";
import { checkMessage, type DiscordMessage } from "../../dist/bridges/discord/render.js";
import { NASTY as NASTY_FOR_ALL } from "./bridge-render-inputs.js";

export const NASTY: string[] = [
  ...NASTY_FOR_ALL,
  "@everyone @here <@123> <@!123> <@&456> <#789> </tether sessions:42> <t:1700000000:R>",
  "||spoiler|| a | b",
  "-# subtext\n# heading\n1. first\n> quote",
  "``````",
  "```\n```\n```",
  "~~~\n```\n~~~",
  "``` ``` ``` `` ` `` `",
  "\\".repeat(3000),
  `${"a".repeat(1999)}😀`,
  `${"*".repeat(999)}👨‍👩‍👧‍👦 tail`,
  "e\u0301".repeat(20_000),
  "\u0301".repeat(500),
  `[${"l".repeat(500)}](https://x.example/${"p".repeat(1990)}) `.repeat(3),
  `https://x.example/${"_".repeat(3000)}`,
  `> ${"q<".repeat(3000)}`,
  `| a | b |\n|---|---|\n${"| <x> | ``` |\n".repeat(3000)}`,
  `\`\`\`\n${"`".repeat(9000)}\n\`\`\``,
  `${"**b** _i_ ~~s~~ `c` ".repeat(3000)}`,
  `\`\`\`${"x".repeat(100)}\ncode\n\`\`\``,
];

/** The rule every rendered message keeps: Discord takes it as it is. */
export function expectFits(message: DiscordMessage): void {
  const problems = checkMessage(message);
  if (problems.length > 0) {
    expect.fail(`${problems.join("\n")}\nin ${JSON.stringify(message).slice(0, 600)}`);
  }
}

/** Discord Markdown escapes as the reader sees them: a backslash before punctuation shows the
 * punctuation, and the zero-width spaces that keep mentions and backticks apart are not seen. */
export function seen(markdown: string): string {
  return markdown.replace(/\\([^\p{L}\p{N}\s])/gu, "$1").replace(/\u200B/g, "");
}
