// The web app's Markdown subset: what agents write becomes structure, and nothing they write can
// become markup (the tree holds text only; the renderer makes text nodes of it).
import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref } from "../../web/src/markdown/parse.js";

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
});
