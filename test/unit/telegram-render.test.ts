// How Tether's events read in Telegram: every rendered text parses as the Bot API parses HTML
// (test/fakes/telegram-html.ts) and fits in one message, for hostile inputs too, and says what a
// person on a phone needs: Markdown as formatting, long output as a head and a file, tool calls
// and results short.
import { describe, expect, it } from "vitest";
import {
  CAPTION_LIMIT,
  cutHtml,
  cutText,
  describeActor,
  escapeHtml,
  markdownToHtml,
  renderApproval,
  renderHeader,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderSettled,
  renderState,
  topicName,
} from "../../dist/bridges/telegram/render.js";
import type { Approval } from "../../dist/shared/schemas.js";
import { parseHtml } from "../fakes/telegram-html.js";
import { bashApproval, NASTY, session, toolApprovals } from "./bridge-render-inputs.js";
import { expectSendable, LONE } from "./telegram-render-inputs.js";

const textOf = (html: string): string => {
  const parsed = parseHtml(html);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.text;
};

const approval = (over: Partial<Approval> = {}): Approval =>
  bashApproval({ options: ["Allow", "Deny"], ...over });

describe("every renderer, for every nasty input", () => {
  it("escapeHtml gives text that parses back to itself", () => {
    for (const input of NASTY) {
      const html = escapeHtml(input);
      expectSendable(html, Number.POSITIVE_INFINITY);
      if (!LONE.test(input)) expect(textOf(html)).toBe(input);
    }
  });

  it("markdownToHtml parses, whatever the Markdown, and quickly", () => {
    const started = performance.now();
    for (const input of NASTY) expectSendable(markdownToHtml(input), Number.POSITIVE_INFINITY);
    // Linear work: a quadratic scan of the 100 kB inputs would take minutes.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("renderOutput of every kind fits, and a cut output carries its whole text", () => {
    const kinds = [undefined, "text", "thinking", "tool_call", "tool_result", "error"] as const;
    for (const input of NASTY) {
      for (const kind of kinds) {
        const metadata = {
          tool: input.slice(0, 300),
          input: { command: input, description: input },
        };
        const out = renderOutput({ text: input, kind, metadata });
        expectSendable(out.html, 3600);
        if (out.file) {
          expect(out.file.text).toBe(input);
          expect(out.html).toContain("(full text attached)");
        }
      }
    }
  });

  it("renderApproval stays within 3500 and renderSettled within a message", () => {
    for (const input of NASTY) {
      const inputs: Approval[] = [
        ...toolApprovals(input, approval),
        approval({
          tool_name: null,
          tool_input: null,
          options: [input || "x"],
          description: `${input}: ${input}`,
        }),
        approval({ risky_options: ["Allow"], options: ["Allow", input] }),
      ];
      for (const a of inputs) {
        expectSendable(renderApproval(a), 3500);
        const settled = [
          { ...a, status: "resolved" as const, decision: input || "Allow", decided_by: "web:x" },
          { ...a, status: "resolved" as const, decision: "Deny", decided_by: "web:x" },
          { ...a, status: "cancelled" as const },
        ];
        for (const s of settled) {
          expectSendable(renderSettled(s, input, input));
          expectSendable(renderSettled(s, describeActor(`telegram:${input}`)));
        }
      }
    }
  });

  it("the small ones: actor, topic, header, human input, state, interrupt", () => {
    for (const input of NASTY) {
      expectSendable(escapeHtml(describeActor(input, () => input)), Number.POSITIVE_INFINITY);
      const topic = topicName(input);
      expect(topic.length).toBeGreaterThanOrEqual(1);
      expect(topic.length).toBeLessThanOrEqual(128);
      expect(LONE.test(topic)).toBe(false);
      const agent = { name: input, type: input, icon: input, workspace: input };
      for (const link of [input, `https://tether.example/s/${input}`, undefined]) {
        expectSendable(
          renderHeader(session({ name: input, kind: input, agent, directory: input }), link),
        );
      }
      expectSendable(renderHeader(session({ directory: null, agent })));
      expectSendable(renderHumanInput(input, input));
      expectSendable(renderInterrupt(input));
      expectSendable(renderState({ from: "running", to: "error", reason: input }) ?? "");
      expectSendable(cutHtml(markdownToHtml(input), CAPTION_LIMIT, "…"), CAPTION_LIMIT);
    }
  });
});

describe("markdownToHtml", () => {
  it("turns the marks agents use into Telegram's tags", () => {
    expect(markdownToHtml("```ts\nconst a = 1 < 2;\n```")).toBe(
      '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>',
    );
    expect(markdownToHtml("```\nplain\n```")).toBe("<pre>plain</pre>");
    expect(markdownToHtml("run `a <b>` now")).toBe("run <code>a &lt;b&gt;</code> now");
    expect(markdownToHtml("**bold** and __bold__")).toBe("<b>bold</b> and <b>bold</b>");
    expect(markdownToHtml("*it* and _it_")).toBe("<i>it</i> and <i>it</i>");
    expect(markdownToHtml("***both***")).toBe("<b><i>both</i></b>");
    expect(markdownToHtml("~~gone~~")).toBe("<s>gone</s>");
    expect(markdownToHtml("[docs](https://x.example/?a=1&b=2)")).toBe(
      '<a href="https://x.example/?a=1&amp;b=2">docs</a>',
    );
    expect(markdownToHtml("## Plan **now**")).toBe("<b>Plan now</b>");
    expect(markdownToHtml("> said *this*")).toBe("<blockquote>said <i>this</i></blockquote>");
    expect(markdownToHtml("- one\n  * two")).toBe("• one\n  • two");
  });

  it("nests marks that Telegram nests, and code holds no tags", () => {
    expect(markdownToHtml("**a *b* `c*d*`**")).toBe("<b>a <i>b</i> <code>c*d*</code></b>");
    expect(markdownToHtml("[**x**](https://a.b)")).toBe('<a href="https://a.b"><b>x</b></a>');
  });

  it("leaves unbalanced marks and unsafe links as they were typed", () => {
    const cases = [
      "**unclosed",
      "`unclosed <x>",
      "a * b * c",
      "snake_case_name and __init",
      "2 * 3 = 6",
      "[x](javascript:alert(1))",
      "[x](ftp://a.b)",
      "~single~",
      "\\*not italic\\*",
    ];
    for (const input of cases) {
      const html = markdownToHtml(input);
      expect(parseHtml(html)).toEqual({ text: input.replace(/\\\*/g, "*"), entities: [] });
    }
  });

  it("runs a fence left open to the end, as CommonMark does", () => {
    expect(markdownToHtml("```py\nprint(1)\nprint(2)")).toBe(
      '<pre><code class="language-py">print(1)\nprint(2)</code></pre>',
    );
  });

  it("keeps a language name out of the attribute when it is not a plain name", () => {
    expect(markdownToHtml('```"><b>\nx\n```')).toBe("<pre>x</pre>");
  });
});

describe("renderOutput", () => {
  it("shows text in full while it fits", () => {
    const text = "Done. **All** tests pass:\n```\nok 12\n```";
    expect(renderOutput({ text, metadata: {} })).toEqual({ html: markdownToHtml(text) });
    expect(renderOutput({ text: "a < b", kind: "text", metadata: {} })).toEqual({
      html: "a &lt; b",
    });
  });

  it("sends long text as a file, with a short head in the message", () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} of the **report**`).join("\n");
    const out = renderOutput({ text, kind: "text", metadata: {} });
    expect(out.file).toEqual({ name: "output.md", text });
    expect(out.html.endsWith("… (full text attached)")).toBe(true);
    expect(out.html.length).toBeLessThan(1300);
    const shown = textOf(out.html);
    expect(shown).toContain("line 0 of the report");
    expect(shown).toContain("line 14 of");
    expect(shown).not.toContain("line 15 of");
  });

  it("cuts a head inside a code fence and still closes it", () => {
    const text = `\`\`\`js\n${"console.log('<x>');\n".repeat(500)}\`\`\``;
    const out = renderOutput({ text, metadata: {} });
    expect(out.file?.text).toBe(text);
    const parsed = parseHtml(out.html);
    expect("error" in parsed).toBe(false);
    expect(out.html.startsWith('<pre><code class="language-js">')).toBe(true);
  });

  it("shows an error with a warning sign, and a long one as output.txt", () => {
    expect(renderOutput({ text: "boom <x>", kind: "error", metadata: {} }).html).toBe(
      "⚠️ boom &lt;x&gt;",
    );
    const long = renderOutput({ text: "e ".repeat(5000), kind: "error", metadata: {} });
    expect(long.file?.name).toBe("output.txt");
    expect(long.html.startsWith("⚠️ ")).toBe(true);
  });

  it("shortens thinking to about 300 characters, in italics", () => {
    const out = renderOutput({ text: "hmm ".repeat(500), kind: "thinking", metadata: {} });
    expect(out.html.startsWith("💭 <i>hmm")).toBe(true);
    expect(out.html.endsWith("…</i>")).toBe(true);
    expect(textOf(out.html).length).toBeLessThanOrEqual(310);
    expect(out.file).toBeUndefined();
  });

  it("shows a Claude tool call as the tool and its one detail", () => {
    const bash = renderOutput({
      kind: "tool_call",
      text: "Bash: npm test",
      metadata: {
        tool: "Bash",
        tool_use_id: "t1",
        input: { command: "npm test", description: "Run" },
      },
    });
    expect(bash.html).toBe("🔧 <b>Bash</b> <code>npm test</code>");
    const read = renderOutput({
      kind: "tool_call",
      text: "Read: src/a.ts",
      metadata: { tool: "Read", input: { file_path: "src/a.ts" } },
    });
    expect(read.html).toBe("🔧 <b>Read</b> <code>src/a.ts</code>");
    const todo = renderOutput({
      kind: "tool_call",
      text: "TodoWrite",
      metadata: { tool: "TodoWrite", input: { todos: [{ content: "x" }] } },
    });
    expect(todo.html).toBe(
      "🔧 <b>TodoWrite</b> <code>{&quot;todos&quot;:[{&quot;content&quot;:&quot;x&quot;}]}</code>",
    );
  });

  it("shows Codex's tool calls by what they do", () => {
    const shell = renderOutput({
      kind: "tool_call",
      text: "/bin/bash -lc 'ls -la'",
      metadata: { item_id: "i1", tool: "command", cwd: "/w" },
    });
    expect(shell.html).toBe("🔧 <b>Shell</b> <code>ls -la</code>");
    const patch = renderOutput({
      kind: "tool_call",
      text: "add a.txt, update b.ts",
      metadata: { item_id: "i2", tool: "apply_patch", paths: ["a.txt", "b.ts"] },
    });
    expect(patch.html).toBe("🔧 <b>Edit files</b> <code>add a.txt, update b.ts</code>");
    const multiline = renderOutput({ kind: "tool_call", text: "a\nb", metadata: {} });
    expect(multiline.html).toBe("🔧 <b>Tool</b> <code>a ⏎ b</code>");
  });

  it("shortens a tool result to 12 lines and says how many more the web app has", () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const out = renderOutput({ kind: "tool_result", text, metadata: { tool_use_id: "t1" } });
    expect(out.html).toBe(
      `<pre>${Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n")}</pre>\n… (28 more lines in the web app)`,
    );
    const wide = renderOutput({ kind: "tool_result", text: "x".repeat(5000), metadata: {} });
    expect(textOf(wide.html).length).toBeLessThan(700);
    expect(wide.html).toContain("(1 more line in the web app)");
    const failed = renderOutput({ kind: "tool_result", text: "no", metadata: { exit_code: 2 } });
    expect(failed.html).toBe("⚠️ <pre>no</pre>");
    expect(renderOutput({ kind: "tool_result", text: " \n", metadata: {} }).html).toBe(
      "<i>(no output)</i>",
    );
  });
});

describe("describeActor", () => {
  const names = (platform: string, user: string) =>
    platform === "telegram" && user === "1001" ? "@ada" : undefined;
  it("says each label for a person", () => {
    const cases: [string, string][] = [
      ["web:phone", "phone (on web)"],
      ["telegram:1001", "@ada (on Telegram)"],
      ["telegram:2002", "Telegram user 2002"],
      ["cli:alice@laptop", "alice@laptop (CLI)"],
      ["mcp", "MCP"],
      ["api", "the API"],
      ["api:deploy-bot", "the API (deploy-bot)"],
      ["rule:rule_x", "a session rule"],
      ["ntfy", "an ntfy notification"],
      ["local", "this machine"],
      ["martian:x", "martian:x"],
      ["web:", "web:"],
    ];
    for (const [label, said] of cases) expect(describeActor(label, names)).toBe(said);
    expect(describeActor("telegram:1001")).toBe("Telegram user 1001");
  });
});

describe("topicName", () => {
  it("is one line of 1 to 128 characters, cut between graphemes", () => {
    expect(topicName("")).toBe("Session");
    expect(topicName(" \n\t ")).toBe("Session");
    expect(topicName("Fix\nthe   tests")).toBe("Fix the tests");
    const long = topicName(`${"x".repeat(126)}👍🏽 more`);
    expect(long).toBe(`${"x".repeat(126)}…`);
    expect(topicName("y".repeat(128))).toBe("y".repeat(128));
    expect(topicName("y".repeat(129))).toBe(`${"y".repeat(127)}…`);
  });
});

describe("the session's lines", () => {
  it("renderHeader names the session, its agent, its directory and links to it", () => {
    const html = renderHeader(session(), "https://tether.example/s/ses_1?a=1&b=2");
    expect(html).toBe(
      [
        "🤖 <b>Fix the login test</b>",
        "Agent: Claude Code (claude_subprocess)",
        "📁 <code>/home/ada/projects/app</code>",
        '<a href="https://tether.example/s/ses_1?a=1&amp;b=2">Open in Tether</a>',
      ].join("\n"),
    );
    const external = renderHeader(
      session({
        kind: "external",
        directory: null,
        agent: { name: "external", type: "custom", icon: "🦊", workspace: "~/w" },
      }),
      "javascript:alert(1)",
    );
    expect(external).toBe("🦊 <b>Fix the login test</b>\nAgent: external\n📁 <code>~/w</code>");
  });

  it("renderHumanInput, renderInterrupt and renderState", () => {
    expect(renderHumanInput("ship <it>", "phone (on web)")).toBe(
      "💬 <b>phone (on web)</b>: ship &lt;it&gt;",
    );
    expect(renderInterrupt("@ada (on Telegram)")).toBe(
      "⏹ Interrupted by <b>@ada (on Telegram)</b>",
    );
    expect(renderState({ from: "running", to: "awaiting_input" })).toBe("⏳ Waiting for you");
    expect(renderState({ from: "awaiting_input", to: "done" })).toBe("🏁 Session ended");
    expect(renderState({ from: "running", to: "error", reason: "exit <1>" })).toBe(
      "⚠️ exit &lt;1&gt;",
    );
    expect(renderState({ from: "running", to: "error" })).toBe("⚠️ The session failed");
    for (const to of ["created", "running", "interrupting"] as const) {
      expect(renderState({ from: "awaiting_input", to })).toBeUndefined();
    }
    expect(renderState({ from: "done", to: "done" })).toBeUndefined();
  });
});

describe("cutting", () => {
  it("cutHtml closes the tags open at the cut and never splits an entity or a pair", () => {
    const html = `<b>bold <i>${"&amp;😀".repeat(50)}</i></b>`;
    for (let max = 10; max < html.length; max += 7) {
      const cut = cutHtml(html, max, "…");
      expectSendable(cut, max);
    }
    expect(cutHtml("<pre>abcdef</pre>", 14, "…")).toBe("<pre>ab</pre>…");
  });

  it("cutText keeps graphemes whole", () => {
    expect(cutText("ab👍🏽cd", 5)).toBe("ab…");
    expect(cutText("ab👍🏽cd", 7)).toBe("ab👍🏽…");
    expect(cutText("ab👍🏽cd", 6)).toBe("ab…");
    expect(cutText("short", 10)).toBe("short");
  });
});
