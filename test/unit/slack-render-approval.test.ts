// An approval as a Slack message: the tool input shown for what it is (a command as code, an edit
// as a short diff, a question with what each choice means), a button per option whose action_id
// names the approval and the option, the allow-ish one green and a risky one red behind a
// confirm dialog; once settled, who answered what, and no buttons. Every message fits, whatever
// the approval holds.
import { describe, expect, it } from "vitest";
import {
  type ActionsBlock,
  approvalActionId,
  type ButtonElement,
  checkMessage,
  describeActor,
  MAX_BUTTONS,
  parseApprovalAction,
  renderAlreadyAnswered,
  renderApproval,
  renderSettled,
  type SlackMessage,
  section,
} from "../../dist/bridges/slack/render.js";
import type { Approval } from "../../dist/shared/schemas.js";
import { bashApproval, toolApprovals } from "./bridge-render-inputs.js";
import { expectFits, NASTY, seen } from "./slack-render-inputs.js";

const buttonsOf = (message: SlackMessage): ButtonElement[] =>
  message.blocks.filter((b): b is ActionsBlock => b.type === "actions").flatMap((b) => b.elements);

/** The mrkdwn of the message's sections, in order. */
const sectionsOf = (message: SlackMessage): string[] =>
  message.blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));

describe("renderApproval", () => {
  it("shows a Bash command as code, after what it is for, and a button per option", () => {
    const message = renderApproval(
      bashApproval({
        tool_input: { command: "rm -rf build && make <all>", description: "Clean build" },
      }),
    );
    expect(message.text).toBe("🔐 Bash: npm test");
    expect(sectionsOf(message)).toEqual([
      "🔐 *Bash: npm test*",
      "Claude wants to use Bash",
      "_Clean build_\n```\nrm -rf build &amp;&amp; make &lt;all&gt;\n```",
    ]);
    expect(buttonsOf(message)).toEqual([
      {
        type: "button",
        text: { type: "plain_text", text: "Allow", emoji: true },
        action_id: "a:apr_0123456789abcdef:0",
        value: "a:apr_0123456789abcdef:0",
        style: "primary",
      },
      {
        type: "button",
        text: { type: "plain_text", text: "Deny", emoji: true },
        action_id: "a:apr_0123456789abcdef:1",
        value: "a:apr_0123456789abcdef:1",
      },
      {
        type: "button",
        text: { type: "plain_text", text: "Allow Bash for this session", emoji: true },
        action_id: "a:apr_0123456789abcdef:2",
        value: "a:apr_0123456789abcdef:2",
      },
    ]);
    expectFits(message);
  });

  it("names the approval and the option in each action_id, which parses back", () => {
    expect(approvalActionId("apr_x", 7)).toBe("a:apr_x:7");
    expect(parseApprovalAction("a:apr_x:7")).toEqual({ approvalId: "apr_x", option: 7 });
    for (const other of ["a:apr_x", "a::1", "b:apr_x:1", "a:apr_x:-1", "a:apr_x:1:2", "a:a b:1"]) {
      expect(parseApprovalAction(other)).toBeUndefined();
    }
  });

  it("makes a risky option red, behind a confirm dialog, and never green", () => {
    const message = renderApproval(
      bashApproval({
        title: "Bash: git push -f origin main",
        options: ["Allow", "Deny", "Force push"],
        risky_options: ["Force push", "Allow"],
      }),
    );
    const [allow, deny, force] = buttonsOf(message);
    expect(allow!.style).toBe("danger");
    expect(deny!.style).toBeUndefined();
    expect(force!.style).toBe("danger");
    expect(force!.confirm).toEqual({
      title: { type: "plain_text", text: "Are you sure?", emoji: true },
      text: {
        type: "mrkdwn",
        text: "Answer *Force push* to: Bash: git push -f origin main",
        verbatim: true,
      },
      confirm: { type: "plain_text", text: "Force push", emoji: true },
      deny: { type: "plain_text", text: "Cancel", emoji: true },
      style: "danger",
    });
    expect(deny!.confirm).toBeUndefined();
    // Only one green button, the first allow-ish one that is not risky.
    const greens = buttonsOf(
      renderApproval(bashApproval({ options: ["Yes", "Approve", "No"], risky_options: [] })),
    ).filter((b) => b.style === "primary");
    expect(greens.map((b) => b.text.text)).toEqual(["Yes"]);
  });

  it("shows an Edit as its path and a short diff", () => {
    const message = renderApproval(
      bashApproval({
        tool_name: "Edit",
        title: "Edit: src/a.ts",
        tool_input: {
          file_path: "src/a.ts",
          old_string: "one\ntwo\nthree\nfour\nfive\nsix\nseven",
          new_string: "one\ntwo\nthree\nFOUR <b>\nfive\nsix\nseven",
        },
      }),
    );
    expect(sectionsOf(message)[2]).toBe(
      "📝 `src/a.ts`\n```\n two\n three\n-four\n+FOUR &lt;b&gt;\n five\n six\n```",
    );
  });

  it("keeps a big edit's diff to 30 lines and says how many more changed", () => {
    const before = Array.from({ length: 100 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 100 }, (_, i) => `new ${i}`).join("\n");
    const tool = sectionsOf(
      renderApproval(
        bashApproval({
          tool_name: "Edit",
          tool_input: { file_path: "big.ts", old_string: before, new_string: after },
        }),
      ),
    )[2]!;
    expect(/```\n([\s\S]*)\n```/.exec(tool)![1]!.split("\n")).toHaveLength(30);
    expect(tool.endsWith("\n… 170 more changed lines")).toBe(true);
  });

  it("shows each edit of a MultiEdit as its own hunk, a Write as its first lines", () => {
    const multi = renderApproval(
      bashApproval({
        tool_name: "MultiEdit",
        tool_input: {
          file_path: "src/b.ts",
          edits: [
            { old_string: "a", new_string: "b" },
            { old_string: "c", new_string: "d" },
          ],
        },
      }),
    );
    expect(sectionsOf(multi)[2]).toBe(
      "📝 `src/b.ts`\n```\n@@ edit 1 of 2\n-a\n+b\n@@ edit 2 of 2\n-c\n+d\n```",
    );
    const content = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const write = renderApproval(
      bashApproval({ tool_name: "Write", tool_input: { file_path: "notes.md", content } }),
    );
    expect(sectionsOf(write)[2]).toBe(
      `📝 \`notes.md\` (whole file, 20 lines)\n\`\`\`\n${Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n")}\n\`\`\`\n… 8 more lines`,
    );
  });

  it("shows Codex's file changes, each by kind, and its command without the login shell", () => {
    const patch = renderApproval(
      bashApproval({
        tool_name: "apply_patch",
        tool_input: {
          changes: [
            { path: "new.txt", kind: { type: "add" }, diff: "hello" },
            {
              path: "b.ts",
              kind: { type: "update" },
              diff: "--- a/b.ts\n+++ b/b.ts\n@@ -1 +1 @@\n-x\n+y",
            },
          ],
        },
      }),
    );
    expect(sectionsOf(patch)[2]).toBe(
      "📝 `new.txt` (new file)\n```\n+hello\n```\n📝 `b.ts`\n```\n@@ -1 +1 @@\n-x\n+y\n```",
    );
    const command = renderApproval(
      bashApproval({
        tool_name: "command",
        tool_input: { command: "/bin/bash -lc 'npm test'", cwd: "/w/app", reason: null },
      }),
    );
    expect(sectionsOf(command)[2]).toBe("```\nnpm test\n```\nin `/w/app`");
  });

  it("shows AskUserQuestion's questions with what each option means", () => {
    const message = renderApproval(
      bashApproval({
        tool_name: "AskUserQuestion",
        title: "Which database?",
        options: ["Postgres", "SQLite"],
        tool_input: {
          questions: [
            {
              question: "Which database?",
              header: "Storage",
              multiSelect: true,
              options: [
                { label: "Postgres", description: "Runs as a server" },
                { label: "SQLite", description: "A file <local>" },
              ],
            },
          ],
        },
      }),
    );
    expect(sectionsOf(message)).toEqual([
      "🔐 *Which database?*",
      "*Storage: Which database?* _(choose any)_\n• *Postgres* — Runs as a server\n• *SQLite* — A file &lt;local&gt;",
    ]);
    expect(buttonsOf(message).map((b) => b.text.text)).toEqual(["Postgres", "SQLite"]);
  });

  it("shows a question as Claude's adapter asks it: its choices with their meanings", () => {
    const message = renderApproval(
      bashApproval({
        tool_name: null,
        tool_input: null,
        title: "Which database?",
        description: "Postgres: Runs as a server\nSQLite: A file",
        options: ["Postgres", "SQLite"],
      }),
    );
    expect(message.text).toBe("❓ Which database?");
    expect(sectionsOf(message)).toEqual([
      "❓ *Which database?*",
      "• *Postgres* — Runs as a server\n• *SQLite* — A file",
    ]);
  });

  it("shows an unknown tool's input as JSON, cut to about 1500 characters", () => {
    const tool = sectionsOf(
      renderApproval(
        bashApproval({
          tool_name: "mcp.deploy",
          tool_input: { target: "prod", blob: "z".repeat(5000) },
        }),
      ),
    )[2]!;
    expect(tool.startsWith('```\n{\n  "target": "prod",')).toBe(true);
    expect(tool.length).toBeLessThanOrEqual(1510);
    expect(tool.endsWith("…\n```")).toBe(true);
  });

  it("puts 100 options in rows of 25, and says where to answer past that", () => {
    const options = Array.from({ length: 100 }, (_, i) => `Option ${i}`);
    const hundred = renderApproval(bashApproval({ tool_name: null, tool_input: null, options }));
    const rows = hundred.blocks.filter((b) => b.type === "actions");
    expect(rows.map((b) => (b as ActionsBlock).elements.length)).toEqual([25, 25, 25, 25]);
    expect(buttonsOf(hundred)[99]!.action_id).toBe("a:apr_0123456789abcdef:99");
    expectFits(hundred);
    const more = renderApproval(
      bashApproval({ options: Array.from({ length: 130 }, (_, i) => `Option ${i}`) }),
    );
    expect(buttonsOf(more)).toHaveLength(MAX_BUTTONS);
    expect(JSON.stringify(more.blocks.at(-1))).toContain(
      "… and 30 more options: answer in the web app",
    );
    expectFits(more);
  });

  it("gives blank and duplicate options buttons of their own", () => {
    const message = renderApproval(bashApproval({ options: ["", "  ", "Same", "Same"] }));
    const buttons = buttonsOf(message);
    expect(buttons.map((b) => b.text.text)).toEqual(["(blank)", "(blank)", "Same", "Same"]);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(4);
    expectFits(message);
  });
});

describe("renderSettled", () => {
  it("puts who answered what where the buttons were", () => {
    const request = bashApproval();
    const approved = renderSettled(
      { ...request, status: "resolved", decision: "Allow" },
      describeActor("web:phone"),
    );
    expect(buttonsOf(approved)).toEqual([]);
    expect(approved.blocks).toEqual([
      ...renderApproval(request).blocks.filter((b) => b.type !== "actions"),
      section("✅ Approved by phone (on web)"),
    ]);
    expect(approved.text).toBe("✅ Approved by phone (on web) — Bash: npm test");
    const denied = renderSettled(
      { ...request, status: "resolved", decision: "Deny" },
      "@ada (on Slack)",
      "use the test script <please>",
    );
    expect(sectionsOf(denied).at(-1)).toBe(
      "❌ Denied by @ada (on Slack)\n> use the test script &lt;please&gt;",
    );
    expect(denied.text).toBe("❌ Denied by @ada (on Slack) — Bash: npm test");
    const rule = renderSettled(
      { ...request, status: "resolved", decision: "Allow Bash for this session" },
      "a session rule",
    );
    expect(sectionsOf(rule).at(-1)).toBe(
      "✅ Approved by a session rule — *Allow Bash for this session*",
    );
    const answer = renderSettled(
      { ...request, tool_name: null, status: "resolved", decision: "Postgres" },
      "Slack user U1",
    );
    expect(sectionsOf(answer).at(-1)).toBe("✅ *Postgres* — answered by Slack user U1");
  });

  it("says an approval was withdrawn, and why", () => {
    const withdrawn = renderSettled(
      { ...bashApproval(), status: "cancelled" },
      "",
      "answered at the terminal",
    );
    expect(sectionsOf(withdrawn).at(-1)).toBe("↩️ Withdrawn: answered at the terminal");
    expect(buttonsOf(withdrawn)).toEqual([]);
    const bare = renderSettled({ ...bashApproval(), status: "cancelled" }, "");
    expect(sectionsOf(bare).at(-1)).toBe("↩️ Withdrawn");
  });

  it("leaves a pending approval as it was asked", () => {
    expect(renderSettled(bashApproval(), "x")).toEqual(renderApproval(bashApproval()));
  });

  it("tells a late click who answered already", () => {
    const late = renderAlreadyAnswered(
      { ...bashApproval(), status: "resolved", decision: "Allow" },
      "phone (on web)",
    );
    expect(late).toEqual({
      text: "This was answered already: ✅ Approved by phone (on web)",
      blocks: [section("This was answered already: ✅ Approved by phone (on web)")],
    });
  });
});

describe("every approval message fits, for every nasty input", () => {
  it("renderApproval, renderSettled and renderAlreadyAnswered", () => {
    for (const input of NASTY) {
      const approvals: Approval[] = [
        ...toolApprovals(input, bashApproval),
        bashApproval({
          tool_name: null,
          tool_input: null,
          options: [input],
          description: `${input}: ${input}`,
        }),
        bashApproval({ options: Array.from({ length: 100 }, (_, i) => `${input}${i}`) }),
        bashApproval({ risky_options: [input], options: ["Allow", input] }),
        bashApproval({ options: [] }),
      ];
      for (const a of approvals) {
        expectFits(renderApproval(a));
        const settled: Approval[] = [
          { ...a, status: "resolved", decision: input, decided_by: "web:x" },
          { ...a, status: "resolved", decision: "Deny", decided_by: "web:x" },
          { ...a, status: "cancelled" },
        ];
        for (const s of settled) {
          expectFits(renderSettled(s, input, input));
          expectFits(renderSettled(s, describeActor(`slack:${input}`)));
          expectFits(renderAlreadyAnswered(s, input, input));
        }
      }
    }
  });

  it("a title's text reads as it was written", () => {
    const title = "a <b> & `c` ``` d";
    const [first] = sectionsOf(renderApproval(bashApproval({ title })));
    expect(seen(first!)).toBe(`🔐 *${title}*`);
    expect(checkMessage(renderApproval(bashApproval({ title })))).toEqual([]);
  });
});
