// How Tether's events read in Slack: every rendered message is one Slack takes as it is
// (checkMessage: Block Kit's limits, mrkdwn well formed, code fences closed), for hostile inputs
// too; Markdown reads as mrkdwn; long output goes as a head and a file; outputs batch into few
// messages; and the checker itself catches what Slack refuses.
import { describe, expect, it } from "vitest";
import {
  appendOutputs,
  batchOutputs,
  blockChars,
  checkMessage,
  codeBlock,
  cutLiteral,
  cutMrkdwn,
  describeActor,
  escapeMrkdwn,
  inlineCode,
  LIMITS,
  literalMrkdwn,
  markdownToMrkdwn,
  OUTPUT_FULL_MAX,
  type RenderedOutput,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderParent,
  renderState,
  type SlackBlock,
  type SlackMessage,
  section,
  sessionName,
  splitMrkdwn,
} from "../../dist/bridges/slack/render.js";
import { session } from "./bridge-render-inputs.js";
import { expectFits, NASTY, seen } from "./slack-render-inputs.js";

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const KINDS = [undefined, "text", "thinking", "tool_call", "tool_result", "error"] as const;

/** A message of one section, to check a mrkdwn text as Slack would take it. */
const asSection = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

describe("every renderer, for every nasty input", () => {
  it("escapeMrkdwn and literalMrkdwn read back as the input", () => {
    for (const input of NASTY) {
      if (!input.trim()) continue;
      expectFits({ text: cutMrkdwn(literalMrkdwn(input), 40_000), blocks: [] });
      expect(seen(escapeMrkdwn(input))).toBe(input.replace(LONE, "\uFFFD"));
      expect(seen(literalMrkdwn(input))).toBe(seen(escapeMrkdwn(input)));
    }
  });

  it("markdownToMrkdwn is well formed, whatever the Markdown, and quick", () => {
    const started = performance.now();
    for (const input of NASTY) {
      const out = markdownToMrkdwn(input);
      if (out.trim()) expectFits({ text: cutMrkdwn(out, LIMITS.messageText), blocks: [] });
    }
    // Linear work: a quadratic scan of the 100 kB inputs would take minutes.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("renderOutput of every kind fits a message, and a cut output carries its whole text", () => {
    for (const input of NASTY) {
      for (const kind of KINDS) {
        const metadata = {
          tool: input.slice(0, 300),
          input: { command: input, description: input, file_path: input },
        };
        const out = renderOutput({ text: input, kind, metadata });
        expectFits({ text: cutMrkdwn(out.text, 40_000), blocks: out.blocks });
        if (out.file) {
          expect(out.file.text).toBe(input);
          expect(out.text).toContain("(full text attached)");
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
        const out = renderOutput({
          kind: "tool_call",
          text: input,
          metadata: { tool, input: toolInput },
        });
        expectFits({ text: out.text, blocks: out.blocks });
      }
    }
  });

  it("batchOutputs puts every output in a message that fits, in order", () => {
    const outputs = NASTY.flatMap((input) =>
      KINDS.map((kind) => renderOutput({ text: input, kind, metadata: {} })),
    );
    const batches = batchOutputs(outputs);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(outputs.length);
    let at = 0;
    for (const batch of batches) {
      expectFits(batch.message);
      // Short sections may be joined into one; what they say, in order, is the same.
      const held = outputs.slice(at, at + batch.count).flatMap((o) => o.blocks);
      expect(saidIn(batch.message.blocks)).toBe(saidIn(held));
      if (batch.file) expect(batch.count).toBe(1);
      at += batch.count;
    }
  });

  it("the session's messages: parent, human input, state, interrupt", () => {
    for (const input of NASTY) {
      const agent = { name: input, type: input, icon: input, workspace: input };
      const links = [input, `https://t.example/${input}`, `https://t.example/${"&".repeat(1900)}`];
      for (const link of [...links, undefined]) {
        for (const state of ["created", "running", "error", "done"] as const) {
          expectFits(
            renderParent(
              session({ name: input, kind: input, agent, directory: input, state, error: input }),
              link,
            ),
          );
        }
      }
      expectFits(renderParent(session({ directory: null, agent })));
      expectFits(renderHumanInput(input, input));
      expectFits(renderInterrupt(input));
      expectFits(renderState({ from: "running", to: "error", reason: input }) ?? asSection("x"));
      expectFits(asSection(cutLiteral(describeActor(input, () => input).trim() || "x", 300)));
      expect(sessionName(input).length).toBeGreaterThan(0);
    }
  });
});

describe("markdownToMrkdwn", () => {
  it("turns the marks agents use into mrkdwn's", () => {
    expect(markdownToMrkdwn("**bold** and __bold__")).toBe("*bold* and *bold*");
    expect(markdownToMrkdwn("*it* and _it_")).toBe("_it_ and _it_");
    expect(markdownToMrkdwn("***both***")).toBe("*_both_*");
    expect(markdownToMrkdwn("~~gone~~")).toBe("~gone~");
    expect(markdownToMrkdwn("run `a <b> & c` now")).toBe("run `a &lt;b&gt; &amp; c` now");
    expect(markdownToMrkdwn("[docs](https://x.example/?a=1&b=2)")).toBe(
      "<https://x.example/?a=1&amp;b=2|docs>",
    );
    expect(markdownToMrkdwn("[**x** `y`](https://a.b)")).toBe("<https://a.b|x y>");
    expect(markdownToMrkdwn("see https://a.b/c?d=1, then")).toBe("see <https://a.b/c?d=1>, then");
    expect(markdownToMrkdwn("(at https://a.b/x_(y))")).toBe("(at <https://a.b/x_(y)>)");
    expect(markdownToMrkdwn("## Plan **now**")).toBe("*Plan now*");
    expect(markdownToMrkdwn("> said *this*")).toBe("> said _this_");
    expect(markdownToMrkdwn("- one\n  * two\n+ three")).toBe("• one\n  • two\n• three");
    expect(markdownToMrkdwn("a\n\n---\nb")).toBe("a\n\n──────────\nb");
  });

  it("makes a fence a code block without its language, whose fences are lines of their own", () => {
    expect(markdownToMrkdwn("Look:\n```ts\nconst a = 1 < 2;\n```\nok")).toBe(
      "Look:\n```\nconst a = 1 &lt; 2;\n```\nok",
    );
    // Left open, it runs to the end and is closed there, as CommonMark has it.
    expect(markdownToMrkdwn("```py\nprint(1)\nprint(2)")).toBe("```\nprint(1)\nprint(2)\n```");
    expect(markdownToMrkdwn("~~~\nx\n~~~")).toBe("```\nx\n```");
    expect(markdownToMrkdwn("```\n\n```")).toBe("");
  });

  it("never lets backticks in the text open or close a code block", () => {
    const fenceInCode = markdownToMrkdwn("````md\n```js\nx\n```\n````");
    expect(fenceInCode).toBe("```\n`\u200B`\u200B`js\nx\n`\u200B`\u200B`\n```");
    expect(markdownToMrkdwn("use ``` to fence")).toBe("use `\u200B`\u200B` to fence");
    expect(markdownToMrkdwn("`` a`b ``")).toBe("`a\u02CBb`");
    // Escaped backticks, and code spans, side by side: never two backticks together.
    expect(markdownToMrkdwn("a\\`\\`\\`b")).toBe("a`\u200B`\u200B`b");
    expect(markdownToMrkdwn("`a``b`")).not.toMatch(/``/);
    for (const text of [
      fenceInCode,
      markdownToMrkdwn("a `` ``` ` b"),
      markdownToMrkdwn("a\\`\\`\\`b"),
      markdownToMrkdwn("`x` `y``z`"),
    ]) {
      expect(checkMessage(asSection(text))).toEqual([]);
    }
  });

  it("makes a table a code block, where its columns line up", () => {
    expect(markdownToMrkdwn("| a | b |\n|---|:-:|\n| 1 | <2> |\nafter")).toBe(
      "```\n| a | b |\n|---|:-:|\n| 1 | &lt;2&gt; |\n```\nafter",
    );
  });

  it("leaves unbalanced marks, snake_case and unsafe links as they were typed", () => {
    const cases = [
      "**unclosed",
      "`unclosed <x>",
      "a * b * c",
      "snake_case_name and __init",
      "2 * 3 = 6",
      "[x](javascript:alert(1))",
      "[x](ftp://a.b)",
      "\\*not italic\\*",
    ];
    for (const input of cases) {
      expect(seen(markdownToMrkdwn(input))).toBe(input.replace(/\\\*/g, "*"));
    }
  });

  it("escapes Slack's control characters, so text cannot mention or link", () => {
    expect(markdownToMrkdwn("<!channel> <@U1> a & b > c")).toBe(
      "&lt;!channel&gt; &lt;@U1&gt; a &amp; b &gt; c",
    );
  });
});

describe("cutting mrkdwn", () => {
  it("splits a long code block into pieces, each closed and opened again", () => {
    const code = Array.from({ length: 400 }, (_, i) => `line ${i} <${i}>`).join("\n");
    const block = codeBlock(code);
    const pieces = splitMrkdwn(block, 3000);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(3000);
      expect(piece.startsWith("```\n")).toBe(true);
      expect(piece.endsWith("\n```")).toBe(true);
      expect(checkMessage(asSection(piece))).toEqual([]);
    }
    // Cut at line breaks: the lines, in order, are all there.
    const lines = pieces.flatMap((p) => p.slice(4, -4).split("\n"));
    expect(lines).toEqual(escapeMrkdwn(code).split("\n"));
  });

  it("never splits an entity, a link, a surrogate pair or a grapheme", () => {
    const text = `${"&amp;👍🏽<https://a.b|x> 👨‍👩‍👧‍👦".repeat(300)}`;
    for (const max of [16, 17, 40, 101, 999]) {
      const pieces = splitMrkdwn(text, max);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(max);
        expect(checkMessage(asSection(piece))).toEqual([]);
      }
      // Cut where they fall, with nothing lost; pieces too small for a link show its text.
      expect(pieces.join("")).toBe(max < 24 ? text.replace(/<https:\/\/a\.b\|x>/g, "x") : text);
    }
  });

  it("shows a link too long for a piece as its text", () => {
    const link = `<https://x.example/${"p".repeat(2000)}|the docs>`;
    expect(splitMrkdwn(`${"a".repeat(20)} ${link}`, 100)).toEqual([`${"a".repeat(20)} the docs`]);
  });

  it("cutMrkdwn adds its suffix after a closed code block", () => {
    const cut = cutMrkdwn(codeBlock("x\n".repeat(100)), 40, "…");
    expect(cut).toBe("```\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\n```\n…");
    expect(cut.length).toBeLessThanOrEqual(40);
    expect(cutMrkdwn("short", 40)).toBe("short");
  });

  it("cutLiteral and inlineCode keep within their length, escaped", () => {
    expect(cutLiteral("a & b", 5)).toBe("a…");
    expect(cutLiteral("a & b", 8)).toBe("a &amp;…");
    for (const max of [1, 2, 5, 9, 50]) {
      for (const text of ["`".repeat(100), "&".repeat(100), "👍🏽".repeat(30)]) {
        expect(cutLiteral(text, max).length).toBeLessThanOrEqual(max);
        expect(inlineCode(text, max + 2).length).toBeLessThanOrEqual(max + 2);
      }
    }
    expect(inlineCode("a\n  b `c`")).toBe("`a ⏎ b \u02CBc\u02CB`");
    expect(inlineCode(" \n ")).toBe("");
  });
});

describe("renderOutput", () => {
  const text = (out: RenderedOutput) =>
    out.blocks
      .map((b) =>
        b.type === "section" ? b.text?.text : b.type === "context" ? b.elements[0]?.text : "",
      )
      .join("\n");

  it("shows text in full while it is not too long, in sections of up to 3000", () => {
    const short = "Done. **All** tests pass:\n```\nok 12\n```";
    const out = renderOutput({ text: short, metadata: {} });
    expect(out).toEqual({
      blocks: [section("Done. *All* tests pass:\n```\nok 12\n```")],
      text: "Done. *All* tests pass:\n```\nok 12\n```",
    });
    const long = Array.from({ length: 300 }, (_, i) => `line ${i} of the **report**`).join("\n");
    const whole = renderOutput({ text: long, kind: "text", metadata: {} });
    expect(whole.file).toBeUndefined();
    expect(whole.blocks.length).toBeGreaterThan(2);
    expect(seen(text(whole))).toContain("line 299 of the *report*");
  });

  it("sends text past OUTPUT_FULL_MAX as a file, with a short head in the message", () => {
    const long = Array.from({ length: 2000 }, (_, i) => `line ${i} of the **report**`).join("\n");
    expect(markdownToMrkdwn(long).length).toBeGreaterThan(OUTPUT_FULL_MAX);
    const out = renderOutput({ text: long, kind: "text", metadata: {} });
    expect(out.file).toEqual({ name: "output.md", text: long });
    expect(out.blocks).toHaveLength(1);
    const shown = text(out);
    expect(shown.endsWith("_… (full text attached)_")).toBe(true);
    expect(shown).toContain("line 0 of the *report*");
    expect(shown).toContain("line 14 of");
    expect(shown).not.toContain("line 15 of");
  });

  it("cuts a head inside a code fence and still closes it", () => {
    const long = `\`\`\`js\n${"console.log('<x>');\n".repeat(1000)}\`\`\``;
    const out = renderOutput({ text: long, metadata: {} });
    expect(out.file?.text).toBe(long);
    expect(checkMessage({ text: out.text, blocks: out.blocks })).toEqual([]);
    expect(text(out).startsWith("```\nconsole.log('&lt;x&gt;');")).toBe(true);
  });

  it("shows an error with a warning sign, and a long one as output.txt", () => {
    expect(renderOutput({ text: "boom <x>", kind: "error", metadata: {} }).text).toBe(
      "⚠️ boom &lt;x&gt;",
    );
    const long = renderOutput({ text: "e ".repeat(10_000), kind: "error", metadata: {} });
    expect(long.file?.name).toBe("output.txt");
  });

  it("shows thinking as a short context line", () => {
    const out = renderOutput({ text: "hmm_ ".repeat(500), kind: "thinking", metadata: {} });
    expect(out.blocks).toHaveLength(1);
    expect(out.blocks[0]!.type).toBe("context");
    expect(out.text.startsWith("💭 hmm_ hmm_")).toBe(true);
    expect(out.text.length).toBeLessThanOrEqual(310);
    expect(renderOutput({ text: " ", kind: "thinking", metadata: {} }).text).toBe("💭 thinking…");
  });

  it("shows a short command inline and a long one as a code block", () => {
    const call = (command: string) =>
      renderOutput({
        kind: "tool_call",
        text: `Bash: ${command}`,
        metadata: { tool: "Bash", tool_use_id: "t1", input: { command, description: "Run" } },
      }).text;
    expect(call("npm test")).toBe("🔧 *Bash* `npm test`");
    expect(call("cat <<EOF > a.txt\nhi & bye\nEOF")).toBe(
      "🔧 *Bash*\n```\ncat &lt;&lt;EOF &gt; a.txt\nhi &amp; bye\nEOF\n```",
    );
    const codex = renderOutput({
      kind: "tool_call",
      text: "/bin/bash -lc 'ls -la'",
      metadata: { item_id: "i1", tool: "command", cwd: "/w" },
    });
    expect(codex.text).toBe("🔧 *Shell* `ls -la`");
  });

  it("shows a file edit as its path and a diff of at most 30 lines", () => {
    const edit = renderOutput({
      kind: "tool_call",
      text: "Edit: src/a.ts",
      metadata: {
        tool: "Edit",
        input: {
          file_path: "src/a.ts",
          old_string: "one\ntwo\nthree",
          new_string: "one\n2 <b>\nthree",
        },
      },
    });
    expect(edit.text).toBe("🔧 *Edit* `src/a.ts`\n```\n one\n-two\n+2 &lt;b&gt;\n three\n```");
    const before = Array.from({ length: 100 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 100 }, (_, i) => `new ${i}`).join("\n");
    const big = renderOutput({
      kind: "tool_call",
      text: "Edit: big.ts",
      metadata: {
        tool: "Edit",
        input: { file_path: "big.ts", old_string: before, new_string: after },
      },
    });
    const diff = /```\n([\s\S]*)\n```/.exec(big.text)![1]!;
    expect(diff.split("\n")).toHaveLength(30);
    expect(big.text.endsWith("… 170 more changed lines")).toBe(true);
    const write = renderOutput({
      kind: "tool_call",
      text: "Write: notes.md",
      metadata: { tool: "Write", input: { file_path: "notes.md", content: "a\nb" } },
    });
    expect(write.text).toBe("🔧 *Write* `notes.md` (whole file, 2 lines)\n```\na\nb\n```");
  });

  it("shows other tool calls as the tool and its one detail", () => {
    const read = renderOutput({
      kind: "tool_call",
      text: "Read: src/a.ts",
      metadata: { tool: "Read", input: { file_path: "src/a.ts" } },
    });
    expect(read.text).toBe("🔧 *Read* `src/a.ts`");
    const todo = renderOutput({
      kind: "tool_call",
      text: "TodoWrite",
      metadata: { tool: "TodoWrite", input: { todos: [{ content: "x" }] } },
    });
    expect(todo.text).toBe('🔧 *TodoWrite* `{"todos":[{"content":"x"}]}`');
    const patch = renderOutput({
      kind: "tool_call",
      text: "add a.txt, update b.ts",
      metadata: { item_id: "i2", tool: "apply_patch", paths: ["a.txt", "b.ts"] },
    });
    expect(patch.text).toBe("🔧 *Edit files* `add a.txt, update b.ts`");
  });

  it("shortens a tool result to 12 lines and says how many more the web app has", () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const out = renderOutput({ kind: "tool_result", text: lines, metadata: { tool_use_id: "t1" } });
    expect(out.text).toBe(
      `\`\`\`\n${Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n")}\n\`\`\`\n_… (28 more lines in the web app)_`,
    );
    const failed = renderOutput({ kind: "tool_result", text: "no", metadata: { exit_code: 2 } });
    expect(failed.text).toBe("⚠️ _failed_\n```\nno\n```");
    expect(renderOutput({ kind: "tool_result", text: " \n", metadata: {} }).text).toBe(
      "_(no output)_",
    );
  });
});

describe("batching outputs", () => {
  const line = (i: number) => renderOutput({ kind: "text", text: `step ${i}`, metadata: {} });

  it("joins short outputs into one section of one message", () => {
    const outputs = Array.from({ length: 120 }, (_, i) => line(i));
    const batches = batchOutputs(outputs);
    expect(batches.map((b) => b.count)).toEqual([120]);
    expect(batches[0]!.message.blocks).toHaveLength(1);
    expect(batches[0]!.message.text.startsWith("step 0\n\nstep 1\n\nstep 2")).toBe(true);
    expectFits(batches[0]!.message);
  });

  it("starts another message at 50 blocks, when outputs cannot share a section", () => {
    // Thinking is a context line: text between two of them has a section of its own.
    const outputs = Array.from({ length: 120 }, (_, i) =>
      i % 2 === 0 ? line(i) : renderOutput({ kind: "thinking", text: `hmm ${i}`, metadata: {} }),
    );
    const batches = batchOutputs(outputs);
    expect(batches.map((b) => b.count)).toEqual([50, 50, 20]);
    for (const b of batches) expectFits(b.message);
  });

  it("keeps a section within 3,000 characters when joining", () => {
    const long = (i: number) =>
      renderOutput({ kind: "text", text: `${i} ${"y".repeat(1600)}`, metadata: {} });
    const [batch] = batchOutputs([long(1), long(2), long(3)]);
    expect(batch!.count).toBe(3);
    expect(batch!.message.blocks).toHaveLength(3);
    expectFits(batch!.message);
  });

  it("starts another message at 40,000 characters of text", () => {
    const big = renderOutput({ kind: "text", text: "x".repeat(11_000), metadata: {} });
    expect(blockChars(big.blocks)).toBe(11_000);
    const batches = batchOutputs([big, big, big, big, big]);
    expect(batches.map((b) => b.count)).toEqual([3, 2]);
    for (const b of batches) {
      expect(blockChars(b.message.blocks)).toBeLessThanOrEqual(40_000);
      expect(b.message.text.length).toBeLessThanOrEqual(4000);
      expectFits(b.message);
    }
  });

  it("sends an output with a file on its own", () => {
    const file = renderOutput({ kind: "text", text: "r\n".repeat(20_000), metadata: {} });
    expect(file.file).toBeDefined();
    const batches = batchOutputs([line(1), line(2), file, line(3)]);
    expect(batches.map((b) => [b.count, b.file !== undefined])).toEqual([
      [2, false],
      [1, true],
      [1, false],
    ]);
  });

  it("appendOutputs grows an open message while it fits, and stops at one that does not", () => {
    const first = appendOutputs(undefined, [line(0)]);
    expect(first.count).toBe(1);
    const grown = appendOutputs(first.message, [line(1), line(2)]);
    expect(grown.count).toBe(2);
    expect(grown.message.blocks).toEqual([section("step 0\n\nstep 1\n\nstep 2")]);
    expect(grown.message.text).toBe("step 0\n\nstep 1\n\nstep 2");
    // The open message is not changed in place: it is what Slack shows until the edit lands.
    expect(first.message.blocks).toEqual([section("step 0")]);
    const big = (i: number) =>
      renderOutput({ kind: "text", text: `${i} ${"z".repeat(2900)}`, metadata: {} });
    const full = appendOutputs(
      undefined,
      Array.from({ length: 13 }, (_, i) => big(i)),
    );
    expect(full.count).toBe(13);
    expect(appendOutputs(full.message, [big(14)]).count).toBe(0);
  });
});

describe("the session's messages", () => {
  it("renderParent names the session, its agent, directory and state, and links to it", () => {
    const parent = renderParent(
      session({ state: "awaiting_input" }),
      "https://t.example/s/1?a=1&b=2",
    );
    expect(parent).toEqual({
      text: "🤖 Fix the login test — 🟡 Waiting for you",
      blocks: [
        {
          type: "header",
          text: { type: "plain_text", text: "🤖 Fix the login test", emoji: true },
        },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: "*Agent*\nClaude Code (claude_subprocess)", verbatim: true },
            { type: "mrkdwn", text: "*State*\n🟡 Waiting for you", verbatim: true },
            { type: "mrkdwn", text: "*Directory*\n`/home/ada/projects/app`", verbatim: true },
          ],
        },
        {
          type: "context",
          elements: [
            {
              type: "mrkdwn",
              text: "<https://t.example/s/1?a=1&amp;b=2|Open in Tether>",
              verbatim: true,
            },
          ],
        },
      ],
    });
  });

  it("renderParent shows each state, and why a session failed", () => {
    const states = {
      created: "⚪ Starting",
      running: "🟢 Working",
      awaiting_input: "🟡 Waiting for you",
      interrupting: "⏸️ Interrupting",
      done: "🏁 Ended",
      error: "🔴 Failed",
    } as const;
    for (const [state, said] of Object.entries(states)) {
      const parent = renderParent(session({ state: state as keyof typeof states }));
      expect(parent.text).toBe(`🤖 Fix the login test — ${said}`);
    }
    const failed = renderParent(session({ state: "error", error: "exit <1>" }));
    expect(failed.blocks).toContainEqual(section("⚠️ exit &lt;1&gt;"));
    const external = renderParent(
      session({
        kind: "external",
        directory: null,
        agent: { name: "external", type: "custom", icon: "🦊", workspace: "~/w" },
      }),
      "javascript:alert(1)",
    );
    expect(external.text.startsWith("🦊 Fix the login test")).toBe(true);
    expect(external.blocks).toHaveLength(2);
  });

  it("renderHumanInput says who wrote what, as written", () => {
    expect(renderHumanInput("ship <it> **now**", "phone (on web)")).toEqual({
      text: "phone (on web): ship &lt;it&gt; **now**",
      blocks: [section("💬 *phone (on web)*: ship &lt;it&gt; **now**")],
    });
    const pasted = renderHumanInput("log line\n".repeat(2000), "ada (CLI)");
    expect(pasted.blocks.length).toBeGreaterThan(3);
    expectFits(pasted);
  });

  it("renderState and renderInterrupt are context lines", () => {
    expect(renderState({ from: "running", to: "awaiting_input" })).toEqual({
      text: "⏳ Waiting for you",
      blocks: [
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "⏳ Waiting for you", verbatim: true }],
        },
      ],
    });
    expect(renderState({ from: "awaiting_input", to: "done" })?.text).toBe("🏁 Session ended");
    expect(renderState({ from: "running", to: "error", reason: "exit <1>" })?.text).toBe(
      "⚠️ exit &lt;1&gt;",
    );
    expect(renderState({ from: "running", to: "error" })?.text).toBe("⚠️ The session failed");
    for (const to of ["created", "running", "interrupting"] as const) {
      expect(renderState({ from: "awaiting_input", to })).toBeUndefined();
    }
    expect(renderState({ from: "done", to: "done" })).toBeUndefined();
    expect(renderInterrupt("@ada (on Slack)").text).toBe("⏹ Interrupted by *@ada (on Slack)*");
  });

  it("describeActor names a Slack user", () => {
    expect(describeActor("slack:U0123", () => "@ada")).toBe("@ada (on Slack)");
    expect(describeActor("slack:U0123")).toBe("Slack user U0123");
  });
});

describe("checkMessage", () => {
  const button = (action_id: string, text = "Go") => ({
    type: "button" as const,
    text: { type: "plain_text" as const, text },
    action_id,
  });
  const bad: [string, SlackMessage, RegExp][] = [
    ["empty text", { text: " ", blocks: [] }, /^text: empty/],
    ["text past 40,000", { text: "x".repeat(40_001), blocks: [] }, /more than 40000/],
    [
      "51 blocks",
      { text: "x", blocks: Array.from({ length: 51 }, () => section("x")) },
      /51 blocks/,
    ],
    [
      "a long section",
      { text: "x", blocks: [section("x".repeat(3001))] },
      /blocks\[0\]\.text: 3001/,
    ],
    ["an empty section", { text: "x", blocks: [section("")] }, /blocks\[0\]\.text: empty/],
    [
      "a long header",
      {
        text: "x",
        blocks: [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }],
      },
      /more than 150/,
    ],
    [
      "a header of mrkdwn",
      { text: "x", blocks: [{ type: "header", text: { type: "mrkdwn", text: "h" } as never }] },
      /must be plain_text/,
    ],
    [
      "26 buttons",
      {
        text: "x",
        blocks: [
          { type: "actions", elements: Array.from({ length: 26 }, (_, i) => button(`b${i}`)) },
        ],
      },
      /26 elements/,
    ],
    [
      "a long button",
      { text: "x", blocks: [{ type: "actions", elements: [button("b", "t".repeat(76))] }] },
      /elements\[0\]\.text: 76/,
    ],
    [
      "an action_id twice",
      {
        text: "x",
        blocks: [
          { type: "actions", elements: [button("same")] },
          { type: "actions", elements: [button("same")] },
        ],
      },
      /used twice/,
    ],
    [
      "a long action_id",
      { text: "x", blocks: [{ type: "actions", elements: [button("a".repeat(256))] }] },
      /action_id: 256/,
    ],
    [
      "a long value",
      {
        text: "x",
        blocks: [{ type: "actions", elements: [{ ...button("b"), value: "v".repeat(2001) }] }],
      },
      /value: 2001/,
    ],
    [
      "a long confirm text",
      {
        text: "x",
        blocks: [
          {
            type: "actions",
            elements: [
              {
                ...button("b"),
                confirm: {
                  title: { type: "plain_text", text: "Sure?" },
                  text: { type: "mrkdwn", text: "t".repeat(301) },
                  confirm: { type: "plain_text", text: "Yes" },
                  deny: { type: "plain_text", text: "No" },
                },
              },
            ],
          },
        ],
      },
      /confirm\.text: 301/,
    ],
    ["a bare <", { text: "a < b", blocks: [] }, /bare "<"/],
    ["a bare &", { text: "a & b", blocks: [] }, /bare "&"/],
    ["a bare > mid-line", { text: "a > b", blocks: [] }, /bare ">"/],
    ["an open code block", { text: "```\ncode", blocks: [] }, /left open/],
    ["a fence mid-line", { text: "see ```code```", blocks: [] }, /side by side/],
    ["half a surrogate pair", { text: "a\uD83D", blocks: [] }, /surrogate/],
    ["a section of nothing", { text: "x", blocks: [{ type: "section" }] }, /needs text or fields/],
    [
      "11 fields",
      {
        text: "x",
        blocks: [
          {
            type: "section",
            fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "f" })),
          },
        ],
      },
      /11 fields/,
    ],
  ];

  for (const [what, message, problem] of bad) {
    it(`refuses ${what}`, () => {
      const problems = checkMessage(message);
      expect(
        problems.some((p) => problem.test(p)),
        problems.join("; "),
      ).toBe(true);
    });
  }

  it("takes what Slack takes", () => {
    const good: SlackMessage = {
      text: "> quote &amp; <https://a.b|link> <mailto:a@b.c>\n```\ncode &lt;\n```",
      blocks: [
        section("x".repeat(3000)),
        { type: "divider" },
        {
          type: "actions",
          elements: Array.from({ length: 25 }, (_, i) => button(`b${i}`, "t".repeat(75))),
        },
      ],
    };
    expect(checkMessage(good)).toEqual([]);
  });
});

/** What blocks say, in order: each block's text, blocks apart by a blank line (as joined
 * sections are). */
function saidIn(blocks: readonly SlackBlock[]): string {
  return blocks
    .map((b) => {
      if (b.type === "section")
        return b.text?.text ?? (b.fields ?? []).map((f) => f.text).join("\n");
      if (b.type === "context") return b.elements.map((e) => e.text).join("\n");
      if (b.type === "header") return b.text.text;
      return "";
    })
    .join("\n\n");
}
