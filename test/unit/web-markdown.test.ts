// The web app's Markdown subset: what agents write becomes structure, and nothing they write can
// become markup (the tree holds text only; the renderer makes text nodes of it).
import { describe, expect, it } from "vitest";
import {
  inlineWork,
  MARKDOWN_CAP,
  parseInline,
  parseMarkdown,
  safeHref,
  splitAtCap,
  TABLE_MAX_COLUMNS,
  TABLE_MAX_ROWS,
  tableWork,
} from "../../web/src/markdown/parse.js";

describe("web markdown", () => {
  it("reads bold, italic, inline code and links", () => {
    expect(parseInline("a **b** _c_ `d*e*` [f](https://x.io)")).toEqual([
      { t: "text", v: "a " },
      { t: "strong", c: [{ t: "text", v: "b" }] },
      { t: "text", v: " " },
      { t: "em", c: [{ t: "text", v: "c" }] },
      { t: "text", v: " " },
      { t: "code", v: "d*e*" },
      { t: "text", v: " " },
      { t: "link", href: "https://x.io", c: [{ t: "text", v: "f" }] },
    ]);
  });

  it("keeps HTML and unsafe links as plain text", () => {
    expect(parseInline("<img src=x onerror=alert(1)>")).toEqual([
      { t: "text", v: "<img src=x onerror=alert(1)>" },
    ]);
    expect(parseInline("[x](javascript:alert(1))")).toEqual([
      { t: "text", v: "[x](javascript:alert(1))" },
    ]);
    expect(safeHref(" data:text/html,hi")).toBeNull();
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
  });

  it("leaves snake_case and lone stars alone", () => {
    expect(parseInline("use snake_case_name and 2 * 3")).toEqual([
      { t: "text", v: "use snake_case_name and 2 * 3" },
    ]);
  });

  it("links bare URLs without their trailing punctuation", () => {
    expect(parseInline("see https://example.com/a.")).toEqual([
      { t: "text", v: "see " },
      {
        t: "link",
        href: "https://example.com/a",
        c: [{ t: "text", v: "https://example.com/a" }],
      },
      { t: "text", v: "." },
    ]);
  });

  it("splits blocks: fenced code, headings, lists, quotes, paragraphs", () => {
    const blocks = parseMarkdown(
      "# Plan\n\n1. read\n2. fix\n\n- a\n- b\n\n> note\n\n```ts\nconst x = '<b>';\n```\nline one\nline two",
    );
    expect(blocks.map((b) => b.t)).toEqual(["h", "list", "list", "quote", "code", "p"]);
    expect(blocks[1]).toMatchObject({ ordered: true });
    expect(blocks[4]).toEqual({ t: "code", lang: "ts", v: "const x = '<b>';" });
    expect(blocks[5]).toEqual({
      t: "p",
      c: [{ t: "text", v: "line one" }, { t: "br" }, { t: "text", v: "line two" }],
    });
  });

  it("keeps an unclosed code fence to the end", () => {
    expect(parseMarkdown("```\nstill code")).toEqual([{ t: "code", lang: "", v: "still code" }]);
  });

  it("nests emphasis, pairs code spans by run length, and leaves unclosed markers as text", () => {
    expect(parseInline("**bold _and em_** *x* *y*")).toEqual([
      {
        t: "strong",
        c: [
          { t: "text", v: "bold " },
          { t: "em", c: [{ t: "text", v: "and em" }] },
        ],
      },
      { t: "text", v: " " },
      { t: "em", c: [{ t: "text", v: "x" }] },
      { t: "text", v: " " },
      { t: "em", c: [{ t: "text", v: "y" }] },
    ]);
    expect(parseInline("``a ` b`` and `c`")).toEqual([
      { t: "code", v: "a ` b" },
      { t: "text", v: " and " },
      { t: "code", v: "c" },
    ]);
    expect(parseInline("*open `code` **never closed")).toEqual([
      { t: "text", v: "*open " },
      { t: "code", v: "code" },
      { t: "text", v: " **never closed" },
    ]);
    expect(parseInline("\\*not em\\* and `unclosed")).toEqual([
      { t: "text", v: "*not em* and `unclosed" },
    ]);
    // Emphasis does not close across a blank line (a quote's paragraphs).
    expect(parseMarkdown("> *a\n>\n> b*")).toEqual([
      { t: "quote", c: [{ t: "text", v: "*a" }, { t: "br" }, { t: "br" }, { t: "text", v: "b*" }] },
    ]);
  });

  it("does work linear in the input, however adversarial", () => {
    const work = (text: string) => {
      inlineWork.steps = 0;
      parseInline(text);
      return inlineWork.steps;
    };
    for (const unit of ["*a ", "**a ", "_a ", "`a ", "[a ", "*a **b ", "http://", "*`a "]) {
      const small = work(unit.repeat(2000));
      const large = work(unit.repeat(4000));
      expect(large, unit).toBeLessThan(small * 2.5);
      // And a small constant per character.
      expect(large, unit).toBeLessThan(unit.length * 4000 * 4);
    }
    // Deep nesting is bounded too: each node moves only as often as spans may nest.
    const nested = (n: number) => "*a **b ".repeat(n) + "c** d* ".repeat(n);
    expect(work(nested(4000))).toBeLessThan(work(nested(2000)) * 2.5);
  });

  it("reads tables: header, alignment, cells with inline Markdown and escaped pipes", () => {
    const blocks = parseMarkdown(
      "Results:\n| test | time | ok |\n|:--|--:|:-:|\n| `auth` | 12 ms | **yes** |\n| a \\| b | 3 ms |\n\nafter",
    );
    expect(blocks.map((b) => b.t)).toEqual(["p", "table", "p"]);
    expect(blocks[1]).toEqual({
      t: "table",
      align: ["left", "right", "center"],
      head: [[{ t: "text", v: "test" }], [{ t: "text", v: "time" }], [{ t: "text", v: "ok" }]],
      rows: [
        [
          [{ t: "code", v: "auth" }],
          [{ t: "text", v: "12 ms" }],
          [{ t: "strong", c: [{ t: "text", v: "yes" }] }],
        ],
        // A short row is filled up to the header's width.
        [[{ t: "text", v: "a | b" }], [{ t: "text", v: "3 ms" }], []],
      ],
    });
    // Outer pipes are optional; a row ends the table when it has none.
    expect(parseMarkdown("a | b\n--- | ---\n1 | 2\nplain").map((b) => b.t)).toEqual(["table", "p"]);
  });

  it("leaves pipes that make no table as text", () => {
    // No delimiter row, or one of another width: text, as written.
    expect(parseMarkdown("a | b\nc | d")).toEqual([
      { t: "p", c: [{ t: "text", v: "a | b" }, { t: "br" }, { t: "text", v: "c | d" }] },
    ]);
    expect(parseMarkdown("| a | b |\n| --- |").map((b) => b.t)).toEqual(["p"]);
    expect(parseMarkdown("| a |\n| -x- |").map((b) => b.t)).toEqual(["p"]);
  });

  it("bounds a table's width and length", () => {
    const wide = (n: number) => `${"| h ".repeat(n)}|\n${"| - ".repeat(n)}|\n${"| c ".repeat(n)}|`;
    expect(parseMarkdown(wide(TABLE_MAX_COLUMNS))[0]).toMatchObject({ t: "table" });
    expect(parseMarkdown(wide(TABLE_MAX_COLUMNS + 1)).map((b) => b.t)).toEqual(["p"]);
    const rows = TABLE_MAX_ROWS + 10;
    const long = `| n |\n| - |\n${"| x |\n".repeat(rows)}`;
    const blocks = parseMarkdown(long);
    expect(blocks[0]).toMatchObject({ t: "table" });
    expect((blocks[0] as { rows: unknown[] }).rows).toHaveLength(TABLE_MAX_ROWS);
    // The rest stays text: nothing is lost.
    expect(blocks.slice(1).map((b) => b.t)).toEqual(["p"]);
    // And reading rows stays linear in the text, however many pipes and dashes it holds.
    const work = (text: string) => {
      tableWork.steps = 0;
      parseMarkdown(text);
      return tableWork.steps;
    };
    for (const unit of ["|-", "| - ", "|-|", "| a ", "\\|-"]) {
      const lines = (n: number) => `${unit.repeat(n)}\n`.repeat(40);
      const small = work(lines(2000));
      const large = work(lines(4000));
      expect(large, unit).toBeLessThanOrEqual(small * 2.5);
      expect(large, unit).toBeLessThanOrEqual(unit.length * 4000 * 40 * 3);
    }
  });

  it("reads only the first MARKDOWN_CAP characters of a bubble as Markdown", () => {
    expect(splitAtCap("short *text*")).toEqual({ markdown: "short *text*", rest: "" });
    const line = `${"x".repeat(99)}\n`;
    const long = line.repeat(Math.ceil((MARKDOWN_CAP * 2) / line.length));
    const { markdown, rest } = splitAtCap(long);
    expect(markdown + rest).toBe(long);
    expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_CAP);
    expect(markdown.endsWith("\n")).toBe(true);
    // One long line is cut at the cap itself.
    const oneLine = "*a ".repeat(MARKDOWN_CAP);
    expect(splitAtCap(oneLine).markdown).toHaveLength(MARKDOWN_CAP);
  });
});
