// Hostile inputs, and the records the bridges' render tests render, shared by Telegram's and
// Slack's: each platform's inputs file adds what breaks its own markup, and the rule every
// message it renders keeps.
import type { Approval, Session } from "../../dist/shared/schemas.js";

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
  // An emoji across Telegram's limit of 4,096.
  `${"a".repeat(4095)}😀tail`,
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

/** A session as the tests render it; `over` changes any field. */
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

/** Approvals carrying each tool input the renderers read (and inputs of no tool they know), each
 * filled with `input`; `approval` makes one from what it changes. */
export function toolApprovals(
  input: string,
  approval: (over: Partial<Approval>) => Approval,
): Approval[] {
  return [
    approval({ title: input, description: input }),
    approval({ tool_input: { command: input, description: input, cwd: input } }),
    approval({
      tool_name: "Edit",
      tool_input: { file_path: input, old_string: input, new_string: `${input}\nmore` },
    }),
    approval({
      tool_name: "MultiEdit",
      tool_input: { file_path: input, edits: [{ old_string: input, new_string: "x" }] },
    }),
    approval({ tool_name: "Write", tool_input: { file_path: input, content: input } }),
    approval({
      tool_name: "apply_patch",
      tool_input: { changes: [{ path: input, kind: { type: "update" }, diff: input }] },
    }),
    approval({
      tool_name: "AskUserQuestion",
      tool_input: {
        questions: [
          { question: input, header: input, options: [{ label: input, description: input }] },
        ],
      },
    }),
    approval({ tool_name: input, tool_input: { anything: input } }),
    approval({ tool_name: "Bash", tool_input: input }),
  ];
}
