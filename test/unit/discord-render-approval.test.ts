// An approval as a Discord message: the tool input shown for what it is (a command as a bash
// block, an edit as a diff block, a question with what each choice means), a button per option
// whose custom_id names the approval and the option, the allow-ish one green and a risky one
// red, at most 25 (the rest answered in the web app); once settled, who answered what and no
// buttons; a late click told, seen only by its clicker, who answered. Every message fits,
// whatever the approval holds.
import { describe, expect, it } from "vitest";
import {
  approvalCustomId,
  BUTTON_STYLE,
  type DiscordButton,
  type DiscordMessage,
  describeActor,
  FLAGS,
  MAX_BUTTONS,
  parseApprovalCustomId,
  renderAlreadyAnswered,
  renderApproval,
  renderSettled,
} from "../../dist/bridges/discord/render.js";
import type { Approval } from "../../dist/shared/schemas.js";
import { bashApproval, toolApprovals } from "./bridge-render-inputs.js";
import { expectFits, NASTY } from "./discord-render-inputs.js";

const buttonsOf = (message: DiscordMessage): DiscordButton[] =>
  (message.components ?? []).flatMap((row) => row.components);

describe("renderApproval", () => {
  it("shows a Bash command as a bash block, after what it is for, and a button per option", () => {
    const message = renderApproval(
      bashApproval({
        tool_input: { command: "rm -rf build && make <all>", description: "Clean *build*" },
      }),
    );
    expect(message.content).toBe(
      [
        "🔐 **Bash: npm test**",
        "Claude wants to use Bash",
        "*Clean \\*build\\**",
        "```bash",
        "rm -rf build && make <all>",
        "```",
      ].join("\n"),
    );
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(buttonsOf(message)).toEqual([
      {
        type: 2,
        style: BUTTON_STYLE.success,
        label: "Allow",
        custom_id: "a:apr_0123456789abcdef:0",
      },
      {
        type: 2,
        style: BUTTON_STYLE.secondary,
        label: "Deny",
        custom_id: "a:apr_0123456789abcdef:1",
      },
      {
        type: 2,
        style: BUTTON_STYLE.primary,
        label: "Allow Bash for this session",
        custom_id: "a:apr_0123456789abcdef:2",
      },
    ]);
    expectFits(message);
  });

  it("shows an edit as a diff block", () => {
    const message = renderApproval(
      bashApproval({
        tool_name: "Edit",
        title: "Edit src/a.ts",
        tool_input: { file_path: "src/a.ts", old_string: "a\nb", new_string: "a\nc" },
      }),
    );
    expect(message.content).toContain("📝 `src/a.ts`\n```diff\n a\n-b\n+c\n```");
    expectFits(message);
  });

  it("shows Claude's question as its choices, and AskUserQuestion's questions with theirs", () => {
    const question = renderApproval(
      bashApproval({
        title: "Which database?",
        description: "Postgres: the usual\nSQLite: *simpler*",
        options: ["Postgres", "SQLite"],
        tool_name: null,
        tool_input: null,
      }),
    );
    expect(question.content).toBe(
      "❓ **Which database?**\n- **Postgres** — the usual\n- **SQLite** — \\*simpler\\*",
    );
    expect(buttonsOf(question).map((b) => [b.label, b.style])).toEqual([
      ["Postgres", BUTTON_STYLE.primary],
      ["SQLite", BUTTON_STYLE.primary],
    ]);
    const asked = renderApproval(
      bashApproval({
        tool_name: "AskUserQuestion",
        title: "Claude has a question",
        options: ["Red", "Blue"],
        tool_input: {
          questions: [
            {
              header: "Colour",
              question: "Which one?",
              multiSelect: true,
              options: [
                { label: "Red", description: "warm" },
                { label: "Blue", description: "" },
              ],
            },
          ],
        },
      }),
    );
    expect(asked.content).toBe(
      "🔐 **Claude has a question**\n**Colour: Which one?** *(choose any)*\n- **Red** — warm\n- **Blue**",
    );
  });

  it("makes a risky option red and says so", () => {
    const message = renderApproval(
      bashApproval({
        title: "Bash: git push --force",
        tool_input: { command: "git push --force" },
        options: ["Allow", "Deny"],
        risky_options: ["Allow"],
      }),
    );
    expect(buttonsOf(message).map((b) => b.style)).toEqual([
      BUTTON_STYLE.danger,
      BUTTON_STYLE.secondary,
    ]);
    expect(message.content.endsWith("\n⚠️ Risky: Allow")).toBe(true);
  });

  it("shows 25 buttons in 5 rows of 5 at most, the rest answered in the web app", () => {
    const options = Array.from({ length: 40 }, (_, i) => `Option ${i}`);
    const message = renderApproval(bashApproval({ options, tool_name: null, tool_input: null }));
    expect(message.components).toHaveLength(5);
    expect(message.components!.every((row) => row.components.length === 5)).toBe(true);
    expect(buttonsOf(message)).toHaveLength(MAX_BUTTONS);
    expect(message.content).toContain("-# … and 15 more options: answer in the web app");
    expectFits(message);
    const exactly = renderApproval(
      bashApproval({ options: options.slice(0, 25), tool_name: null, tool_input: null }),
    );
    expect(buttonsOf(exactly)).toHaveLength(25);
    expect(exactly.content).not.toContain("web app");
  });

  it("names the approval and option in each custom_id, which reads back", () => {
    expect(approvalCustomId("apr_1", 3)).toBe("a:apr_1:3");
    expect(parseApprovalCustomId("a:apr_1:3")).toEqual({ approvalId: "apr_1", option: 3 });
    for (const id of ["x", "a:apr_1", "a::1", "a:a b:1", "a:apr_1:x", "a:apr_1:123", "b:apr_1:1"]) {
      expect(parseApprovalCustomId(id)).toBeUndefined();
    }
    // An id too long for a custom_id: no buttons, answered in the web app.
    const long = renderApproval(bashApproval({ id: "x".repeat(120) }));
    expect(long.components).toEqual([]);
    expect(long.content).toContain("-# answer in the web app");
    expectFits(long);
  });
});

describe("renderSettled", () => {
  const resolved = (decision: string, over: Partial<Approval> = {}) =>
    bashApproval({ status: "resolved", decision, decided_by: "slack:U1", ...over });

  it("says who answered what, wherever it was answered, and removes the buttons", () => {
    const who = describeActor("slack:U1", () => "ada");
    const approved = renderSettled(resolved("Allow"), who);
    expect(approved.content.endsWith("\n✅ Approved by ada (on Slack)")).toBe(true);
    expect(approved.components).toEqual([]);
    expectFits(approved);
    expect(renderSettled(resolved("Deny"), "Discord user 42").content).toMatch(
      /\n❌ Denied by Discord user 42$/,
    );
    expect(renderSettled(resolved("Allow Bash for this session"), "bo").content).toMatch(
      /\n✅ Approved by bo — \*\*Allow Bash for this session\*\*$/,
    );
    expect(
      renderSettled(resolved("SQLite", { tool_name: null }), "bo", "smaller *is* better").content,
    ).toMatch(/\n✅ \*\*SQLite\*\* — answered by bo\n> smaller \\\*is\\\* better$/);
  });

  it("says a withdrawn approval was withdrawn, and why", () => {
    const withdrawn = bashApproval({ status: "cancelled" });
    expect(renderSettled(withdrawn, "x", "answered at the terminal").content).toMatch(
      /\n↩️ Withdrawn — answered at the terminal$/,
    );
    expect(renderSettled(withdrawn, "x").content).toMatch(/\n↩️ Withdrawn$/);
    expect(renderSettled(withdrawn, "x").components).toEqual([]);
  });

  it("leaves a pending approval as it is", () => {
    expect(renderSettled(bashApproval(), "x")).toEqual(renderApproval(bashApproval()));
  });

  it("tells a late click, and only its clicker, who answered already", () => {
    const late = renderAlreadyAnswered(resolved("Allow"), "ada (on Telegram)");
    expect(late.content).toBe("This was answered already: ✅ Approved by ada (on Telegram)");
    expect(late.flags! & FLAGS.ephemeral).toBe(FLAGS.ephemeral);
    expectFits(late);
  });
});

describe("every approval message fits, for every nasty input", () => {
  it("pending, settled, withdrawn and late-click messages", () => {
    for (const input of NASTY) {
      const options = [input, `${input}!`, "Allow", "Deny"];
      const make = (over: Partial<Approval>) =>
        bashApproval({ options, risky_options: [input], ...over });
      for (const approval of toolApprovals(input, make)) {
        expectFits(renderApproval(approval));
        const resolved = { ...approval, status: "resolved" as const, decision: input };
        expectFits(renderSettled(resolved, input, input));
        expectFits(renderSettled({ ...approval, status: "cancelled" }, input, input));
        expectFits(renderAlreadyAnswered(resolved, input, input));
      }
    }
  });
});
