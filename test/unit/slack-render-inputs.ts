// Hostile inputs for the Slack renderers (Telegram's, and what breaks mrkdwn and Block Kit in
// particular), the rule every rendered message keeps, and the records the tests render.
import { expect } from "vitest";
import { checkMessage, type SlackMessage } from "../../dist/bridges/slack/render.js";
import type { Approval, Session } from "../../dist/shared/schemas.js";
import { NASTY as NASTY_FOR_TELEGRAM } from "./telegram-render-inputs.js";

export const NASTY: string[] = [
  ...NASTY_FOR_TELEGRAM,
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

/** A pending Bash approval as Claude asks it; `over` changes any field. */
export const bashApproval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_0123456789abcdef",
  session_id: "sess_1",
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

export const session = (over: Partial<Session> = {}): Session => ({
  id: "sess_1",
  name: "Fix the login test",
  kind: "claude_subprocess",
  agent: { name: "Claude Code", type: "claude", icon: null, workspace: null },
  directory: "/home/ada/projects/app",
  platform: null,
  state: "running",
  error: null,
  last_seq: 1,
  agent_cursor: 0,
  agent_session_id: null,
  terminal: null,
  usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
  ...over,
});
