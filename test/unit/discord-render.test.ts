// How Tether's events read in Discord: every rendered message is one Discord takes as it is
// (checkMessage: 2,000 units, fences closed, no mention that renders, allowed_mentions parsing
// none), for hostile inputs too; Markdown reads as Discord's; long output goes in pieces or as a
// head and a file; outputs batch into few messages; and the checker itself catches what Discord
// refuses.
import { describe, expect, it } from "vitest";
import {
  appendOutputs,
  batchOutputs,
  checkMessage,
  codeBlock,
  cutDiscord,
  cutLiteral,
  type DiscordMessage,
  describeActor,
  escapeDiscord,
  inlineCode,
  LIMITS,
  markdownToDiscord,
  message,
  OUTPUT_FULL_MAX,
  type RenderedOutput,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderStarter,
  renderState,
  splitDiscord,
  threadName,
} from "../../dist/bridges/discord/render.js";
import { session } from "./bridge-render-inputs.js";
import { expectFits, NASTY, seen } from "./discord-render-inputs.js";

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const KINDS = [undefined, "text", "thinking", "tool_call", "tool_result", "error"] as const;

/** Every piece of a rendered output, as the message it would be. */
const fitsAll = (out: RenderedOutput) => {
  expect(out.pieces.length).toBeGreaterThan(0);
  for (const piece of out.pieces) expectFits(message(piece));
};

describe("every renderer, for every nasty input", () => {
  it("escapeDiscord reads back as the input, and cutLiteral fits", () => {
    for (const input of NASTY) {
      if (!input.trim()) continue;
      expect(seen(escapeDiscord(input))).toBe(
        input.replace(/\r\n?/g, "\n").replace(LONE, "\uFFFD"),
      );
      const cut = cutLiteral(input, LIMITS.content);
      expect(cut.length).toBeLessThanOrEqual(LIMITS.content);
      expectFits(message(cut));
    }
  });

  it("markdownToDiscord is well formed, whatever the Markdown, and quick", () => {
    const started = performance.now();
    for (const input of NASTY) {
      const out = markdownToDiscord(input);
      if (!out.trim()) continue;
      for (const piece of splitDiscord(out, LIMITS.content)) expectFits(message(piece));
    }
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it("renderOutput of every kind fits in messages, and a cut output carries its whole text", () => {
    for (const input of NASTY) {
      for (const kind of KINDS) {
        const metadata = {
          tool: input.slice(0, 300),
          input: { command: input, description: input, file_path: input },
        };
        const out = renderOutput({ text: input, kind, metadata });
        fitsAll(out);
        if (out.file) {
          expect(out.file.text).toBe(input);
          expect(out.pieces.join("\n")).toContain("(full text attached)");
        }
      }
    }
  });

  it("tool calls of each tool Tether knows fit, whatever their input", () => {
    for (const input of NASTY) {
      const calls: [string, unknown][] = [
        ["Bash", { command: input, description: input }],
        ["command", undefined],
        ["Edit", { file_path: input, old_string: input, new_string: `${input}\nmore` }],
        ["MultiEdit", { file_path: input, edits: [{ old_string: input, new_string: "x" }] }],
        ["Write", { file_path: input, content: input }],
        ["apply_patch", { changes: [{ path: input, kind: { type: "add" }, diff: input }] }],
        ["Read", { file_path: input }],
        [input || "x", { anything: input }],
      ];
      for (const [tool, toolInput] of calls) {
        fitsAll(
          renderOutput({ kind: "tool_call", text: input, metadata: { tool, input: toolInput } }),
        );
      }
    }
  });

  it("batchOutputs puts every output in messages that fit, in order", () => {
    const outputs = NASTY.flatMap((input) =>
      KINDS.map((kind) => renderOutput({ text: input, kind, metadata: {} })),
    );
    const batches = batchOutputs(outputs);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(outputs.length);
    for (const batch of batches) {
      expectFits(batch.message);
      if (batch.file) expect(batch.count).toBe(1);
    }
    // Nothing lost, nothing reordered: the messages hold the pieces, in order.
    expect(batches.map((b) => b.message.content).join("\n")).toBe(
      outputs.map((o) => o.pieces.join("\n")).join("\n"),
    );
  });

  it("the session's messages: starter, thread name, human input, state, interrupt", () => {
    for (const input of NASTY) {
      const agent = { name: input, type: input, icon: input, workspace: input };
      const links = [input, `https://t.example/${input}`, `https://t.example/${"_".repeat(1900)}`];
      for (const link of [...links, undefined]) {
        for (const state of ["created", "running", "error", "done"] as const) {
          expectFits(
            renderStarter(
              session({ name: input, kind: input, agent, directory: input, state, error: input }),
              link,
            ),
          );
        }
      }
      expectFits(renderStarter(session({ directory: null, agent })));
      const said = renderHumanInput(input, input);
      expect(said.length).toBeGreaterThan(0);
      expect(said.length).toBeLessThanOrEqual(3);
      for (const m of said) expectFits(m);
      expectFits(renderInterrupt(input));
      expectFits(renderState({ from: "running", to: "error", reason: input }) ?? message("x"));
      expectFits(message(cutLiteral(describeActor(input, () => input).trim() || "x", 300)));
      const name = threadName(input);
      expect(name.length).toBeGreaterThan(0);
      expect(name.length).toBeLessThanOrEqual(100);
      expect(LONE.test(name)).toBe(false);
    }
  });
});

describe("escaping", () => {
  it("escapes Discord's marks and neutralises mentions", () => {
    expect(escapeDiscord("a *b* _c_ ~~d~~ `e` ||f|| [g](h)")).toBe(
      "a \\*b\\* \\_c\\_ \\~\\~d\\~\\~ \\`e\\` \\|\\|f\\|\\| \\[g\\](h)",
    );
    expect(escapeDiscord("@everyone and @here")).toBe("@\u200Beveryone and @\u200Bhere");
    expect(escapeDiscord("<@123> <#4> <@&5>")).toBe("\\<@123> \\<#4> \\<@&5>");
    expect(escapeDiscord("# h\n> q\n- l\n-# s\n1. n\n+ p")).toBe(
      "\\# h\n\\> q\n\\- l\n\\-# s\n1\\. n\n\\+ p",
    );
    // Mid-line, they are only text.
    expect(escapeDiscord("a - b > c # d 1. e")).toBe("a - b > c # d 1. e");
    expect(escapeDiscord("C:\\path")).toBe("C:\\\\path");
  });

  it("inline code keeps its text, on one line, without a backtick to end it", () => {
    expect(inlineCode("npm test -- <x> *y*")).toBe("`npm test -- <x> *y*`");
    expect(inlineCode("a`b\nc")).toBe("`a\u02CBb ⏎ c`");
    expect(inlineCode("  ")).toBe("");
    expect(inlineCode("x".repeat(500), 50).length).toBeLessThanOrEqual(50);
  });

  it("a code block keeps its language, and its backticks never close it", () => {
    expect(codeBlock("x < 1", "ts")).toBe("```ts\nx < 1\n```");
    expect(codeBlock("x", "not a language!")).toBe("```\nx\n```");
    expect(codeBlock("a ``` b")).toBe("```\na `\u200B`\u200B` b\n```");
    expect(codeBlock("")).toBe("```\n \n```");
  });
});

describe("markdownToDiscord", () => {
  it("keeps the marks Discord reads, written its way", () => {
    expect(markdownToDiscord("**bold** and __bold__")).toBe("**bold** and **bold**");
    expect(markdownToDiscord("*it* and _it_")).toBe("*it* and *it*");
    expect(markdownToDiscord("***both***")).toBe("***both***");
    expect(markdownToDiscord("~~gone~~")).toBe("~~gone~~");
    expect(markdownToDiscord("run `a <b> & *c*` now")).toBe("run `a <b> & *c*` now");
    expect(markdownToDiscord("[docs](https://x.example/?a=1&b=2)")).toBe(
      "[docs](https://x.example/?a=1&b=2)",
    );
    expect(markdownToDiscord("[https://evil.example](https://x.example)")).toBe(
      "https://x.example",
    );
    expect(markdownToDiscord("see https://a.b/c_d_e?f=1, then")).toBe(
      "see https://a.b/c_d_e?f=1, then",
    );
    expect(markdownToDiscord("## Plan **now**")).toBe("### Plan now");
    expect(markdownToDiscord("> said *this*")).toBe("> said *this*");
    expect(markdownToDiscord("- one\n  * two\n+ three")).toBe("- one\n  - two\n- three");
    expect(markdownToDiscord("1. first\n2. second")).toBe("1. first\n2. second");
    expect(markdownToDiscord("a\n\n---\nb")).toBe("a\n\n──────────\nb");
  });

  it("makes a fence a code block with its language, closed even when left open", () => {
    expect(markdownToDiscord("Look:\n```ts\nconst a = 1 < 2;\n```\nok")).toBe(
      "Look:\n```ts\nconst a = 1 < 2;\n```\nok",
    );
    expect(markdownToDiscord("```py\nprint(1)\nprint(2)")).toBe("```py\nprint(1)\nprint(2)\n```");
    expect(markdownToDiscord("~~~\nx\n~~~")).toBe("```\nx\n```");
    expect(markdownToDiscord("```\n\n```")).toBe("");
    expect(markdownToDiscord("````md\n```js\nx\n```\n````")).toBe(
      "```md\n`\u200B`\u200B`js\nx\n`\u200B`\u200B`\n```",
    );
  });

  it("makes a table a code block, where its columns line up", () => {
    expect(markdownToDiscord("| a | b |\n|---|:-:|\n| 1 | <2> |\nafter")).toBe(
      "```\n| a | b |\n|---|:-:|\n| 1 | <2> |\n```\nafter",
    );
  });

  it("escapes unbalanced marks, snake_case, unsafe links and mentions, which read as typed", () => {
    const cases = [
      "**unclosed",
      "`unclosed <x>",
      "a * b * c",
      "snake_case_name and __init",
      "2 * 3 = 6",
      "[x](javascript:alert(1))",
      "||spoiler||",
      "-# not subtext",
      "**bold with `code **` inside",
    ];
    for (const input of cases) {
      const out = markdownToDiscord(input);
      expect(seen(out)).toBe(input);
      expectFits(message(out));
    }
    expect(markdownToDiscord("**unclosed")).toBe("\\*\\*unclosed");
    expect(markdownToDiscord("snake_case")).toBe("snake\\_case");
    expect(markdownToDiscord("hi @everyone <@1>")).toBe("hi @\u200Beveryone \\<@1>");
  });
});

describe("cutting Discord Markdown", () => {
  it("splits a long code block into pieces, each closed and opened again with its language", () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i} <${i}>`).join("\n");
    const pieces = splitDiscord(codeBlock(code, "ts"), LIMITS.content);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(LIMITS.content);
      expect(piece.startsWith("```ts\n")).toBe(true);
      expect(piece.endsWith("\n```")).toBe(true);
      expectFits(message(piece));
    }
    const lines = pieces.flatMap((p) => p.slice(6, -4).split("\n"));
    expect(lines).toEqual(code.split("\n"));
  });

  it("cuts a long line without splitting an escape or a grapheme, losing nothing", () => {
    const text = escapeDiscord("*_👨‍👩‍👧‍👦".repeat(700));
    for (const max of [48, 49, 101, 2000]) {
      const pieces = splitDiscord(text, max);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(max);
        expect(/(^|[^\\])(\\\\)*\\$/.test(piece)).toBe(false);
        expect(LONE.test(piece)).toBe(false);
      }
      expect(pieces.join("")).toBe(text);
    }
  });

  it("cutDiscord adds its suffix after a closed code block", () => {
    const cut = cutDiscord(codeBlock("x\n".repeat(100)), 60, "…");
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(cut.endsWith("\n```\n…")).toBe(true);
    expectFits(message(cut));
    expect(cutDiscord("short", 40)).toBe("short");
  });
});

describe("outputs", () => {
  it("shows a Bash call as code: short ones inline, long ones as a bash block", () => {
    const short = renderOutput({
      kind: "tool_call",
      text: "Bash",
      metadata: { tool: "Bash", input: { command: "npm test" } },
    });
    expect(short.pieces).toEqual(["🔧 **Bash** `npm test`"]);
    const long = renderOutput({
      kind: "tool_call",
      text: "",
      metadata: { tool: "Bash", input: { command: "set -e\nnpm ci\nnpm test" } },
    });
    expect(long.pieces).toEqual(["🔧 **Bash**\n```bash\nset -e\nnpm ci\nnpm test\n```"]);
    const codex = renderOutput({
      kind: "tool_call",
      text: "/bin/bash -lc 'ls -la'",
      metadata: { tool: "command" },
    });
    expect(codex.pieces).toEqual(["🔧 **Shell** `ls -la`"]);
  });

  it("shows a file edit as a diff of at most 30 lines", () => {
    const old = Array.from({ length: 80 }, (_, i) => `old ${i}`).join("\n");
    const out = renderOutput({
      kind: "tool_call",
      text: "Edit",
      metadata: {
        tool: "Edit",
        input: { file_path: "src/a.ts", old_string: old, new_string: "new" },
      },
    });
    const [piece] = out.pieces;
    expect(piece).toMatch(/^🔧 \*\*Edit\*\* `src\/a\.ts`\n```diff\n-old 0\n/);
    const body = piece!.split("```diff\n")[1]!.split("\n```")[0]!;
    expect(body.split("\n").length).toBeLessThanOrEqual(30);
    expect(piece).toMatch(/-# … \d+ more changed lines$/);
  });

  it("shortens thinking to a line of subtext, and a tool result to its head", () => {
    const thought = renderOutput({ kind: "thinking", text: "a\n\nb *c*", metadata: {} });
    expect(thought.pieces).toEqual(["-# 💭 a b \\*c\\*"]);
    const result = renderOutput({
      kind: "tool_result",
      text: Array.from({ length: 40 }, (_, i) => `r${i}`).join("\n"),
      metadata: { exit_code: 1 },
    });
    const [piece] = result.pieces;
    expect(piece!.startsWith("⚠️ *failed*\n```\nr0\n")).toBe(true);
    expect(piece).toContain("-# … (28 more lines in the web app)");
    expect(renderOutput({ kind: "tool_result", text: "", metadata: {} }).pieces).toEqual([
      "-# (no output)",
    ]);
  });

  it("sends text up to two messages whole, and longer text as its head and a file", () => {
    const medium = "word ".repeat(700);
    const two = renderOutput({ text: medium, metadata: {} });
    expect(two.file).toBeUndefined();
    expect(two.pieces.length).toBe(2);
    expect(two.pieces.join(" ").replace(/\s+/g, " ").trim()).toBe(medium.trim());
    const long = Array.from({ length: 600 }, (_, i) => `line ${i}`).join("\n");
    expect(long.length).toBeGreaterThan(OUTPUT_FULL_MAX);
    const out = renderOutput({ text: long, metadata: {} });
    expect(out.file).toEqual({ name: "output.md", text: long });
    expect(out.pieces).toHaveLength(1);
    expect(out.pieces[0]).toMatch(/^line 0\nline 1\n/);
    expect(out.pieces[0]).toMatch(/\n-# … \(full text attached\)$/);
  });

  it("batches outputs into as few messages as fit, the open one grown while it fits", () => {
    const outputs = Array.from({ length: 60 }, (_, i) =>
      renderOutput({ text: `step ${i}: ${"x".repeat(80)}`, metadata: {} }),
    );
    const batches = batchOutputs(outputs);
    expect(batches.length).toBe(3);
    expect(batches.every((b) => b.message.content.length <= LIMITS.content)).toBe(true);
    expect(batches[0]!.message.content.startsWith("step 0: ")).toBe(true);
    const grown = appendOutputs("earlier", outputs);
    expect(grown.content.startsWith("earlier\nstep 0: ")).toBe(true);
    expect(grown.content.length).toBeLessThanOrEqual(LIMITS.content);
    // Full: the next output would not fit.
    expect(grown.content.length + 1 + outputs[grown.count]!.pieces[0]!.length).toBeGreaterThan(
      LIMITS.content,
    );
    // An output with a file goes alone, the file with it.
    const long = renderOutput({ text: "y\n".repeat(3000), metadata: {} });
    const mixed = batchOutputs([outputs[0]!, long, outputs[1]!]);
    expect(mixed.map((b) => [b.count, b.file !== undefined])).toEqual([
      [1, false],
      [1, true],
      [1, false],
    ]);
    expect(appendOutputs("", [long]).count).toBe(0);
  });
});

describe("the session's messages", () => {
  it("the starter shows name, agent, state with an emoji, directory and the web-app link", () => {
    const starter = renderStarter(session(), "http://127.0.0.1:8080/s/sess_1");
    expect(starter.content).toBe(
      [
        "🤖 **Fix the login test**",
        "**Agent:** Claude Code (claude\\_subprocess)",
        "**State:** 🟢 Working",
        "📁 `/home/ada/projects/app`",
        "[Open in Tether](http://127.0.0.1:8080/s/sess_1)",
      ].join("\n"),
    );
    expect(starter.allowed_mentions).toEqual({ parse: [] });
    const failed = renderStarter(session({ state: "error", error: "exit 1 @everyone" }));
    expect(failed.content).toContain("**State:** 🔴 Failed\n");
    expect(failed.content).toContain("⚠️ exit 1 @\u200Beveryone");
    expect(renderStarter(session(), "javascript:alert(1)").content).not.toContain("Open in");
  });

  it("names the thread after the session, on one line of at most 100 characters", () => {
    expect(threadName("  Fix\nthe *login*  test ")).toBe("Fix the *login* test");
    expect(threadName("")).toBe("Session");
    expect(threadName("x".repeat(300))).toHaveLength(100);
  });

  it("human input, state and interrupt lines", () => {
    expect(renderHumanInput("run *it* @here", "ada (on web)").map((m) => m.content)).toEqual([
      "💬 **ada (on web)**: run \\*it\\* @\u200Bhere",
    ]);
    expect(renderState({ from: "running", to: "awaiting_input" })?.content).toBe(
      "⏳ Waiting for you",
    );
    expect(renderState({ from: "running", to: "done" })?.content).toBe("🏁 Session ended");
    expect(renderState({ from: "running", to: "error", reason: "boom" })?.content).toBe("⚠️ boom");
    expect(renderState({ from: "created", to: "running" })).toBeUndefined();
    expect(renderInterrupt("Discord user 42").content).toBe("⏹ Interrupted by **Discord user 42**");
  });
});

describe("checkMessage", () => {
  const ok = (content: string): DiscordMessage => message(content);
  it("catches what Discord refuses or would show wrong", () => {
    expect(checkMessage(ok("fine"))).toEqual([]);
    expect(checkMessage(ok(""))).toEqual(["content: empty"]);
    expect(checkMessage(ok("x".repeat(2001)))).toEqual([
      "content: 2001 characters, more than 2000",
    ]);
    expect(checkMessage(ok("```\nopen"))).toEqual(["content: a code block left open"]);
    expect(checkMessage(ok("a ``` b"))).toHaveLength(1);
    expect(checkMessage(ok("hi <@123>"))).toEqual(["content: a mention at line 1"]);
    expect(checkMessage(ok("hi @everyone"))).toEqual(["content: a mention at line 1"]);
    expect(checkMessage(ok("`<@1>` and\n```\n@here\n```"))).toEqual([]);
    expect(
      checkMessage({ content: "x", allowed_mentions: { parse: ["users"] as unknown as [] } }),
    ).toHaveLength(1);
    const button = (id: string, label = "Allow") =>
      ({ type: 2, style: 1, label, custom_id: id }) as const;
    const rows = (n: number, per: number) =>
      Array.from({ length: n }, (_, r) => ({
        type: 1 as const,
        components: Array.from({ length: per }, (_, b) => button(`${r}:${b}`)),
      }));
    expect(checkMessage(ok("x"))).toEqual([]);
    expect(checkMessage(message("x", rows(5, 5)))).toEqual([]);
    expect(checkMessage(message("x", rows(6, 1)))).toEqual(["components: 6 rows, more than 5"]);
    expect(checkMessage(message("x", rows(1, 6)))).toEqual([
      "components[0]: 6 buttons, not 1 to 5",
    ]);
    expect(
      checkMessage(
        message("x", [
          {
            type: 1,
            components: [button("a"), button("a"), button("y".repeat(101), "z".repeat(81))],
          },
        ]),
      ),
    ).toEqual([
      "components[0].components[1].custom_id: a used twice",
      "components[0].components[2].label: 81 characters, more than 80",
      "components[0].components[2].custom_id: 101 characters, more than 100",
    ]);
  });
});
