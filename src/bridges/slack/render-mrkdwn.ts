// Slack's mrkdwn: escaping, and Markdown as agents write it told in mrkdwn's few marks (*bold*,
// _italic_, ~strike~, `code`, ``` blocks, <url|links>, > quotes). The blocks (code fences,
// tables, headings, rules, quotes, bullets) and the inline marks are found by the bridges' shared
// scanner; this says how each is written. A mark without its partner stays as it was typed;
// everything else is escaped.
//
// The one thing mrkdwn cannot escape is a backtick, and three in a row open a code block that
// swallows the rest of the text. So no output here ever holds two backticks side by side except
// a code block's own fence, which is always a line of its own: literal backticks get a zero-width
// space between them, and a backtick inside inline code becomes a look-alike (ˋ).
import { bareUrl } from "../bare-url.js";
import { cutEscaped, wellFormed } from "../cut-text.js";
import { type Block, markdownBlocks } from "../markdown-blocks.js";
import { type InlineSyntax, inlineMarkdown, type Mark } from "../markdown-inline.js";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const ZWSP = "\u200B";
/** Looks like a backtick, is not one: a backtick cannot be inside inline code. */
const BACKTICK_LOOKALIKE = "\u02CB";

/** Text as mrkdwn, by Slack's rule: `&`, `<` and `>` escaped, nothing else (Slack decodes only
 * those three); and a lone surrogate, which only a cut elsewhere makes, replaced by U+FFFD. */
export function escapeMrkdwn(text: string): string {
  return wellFormed(text.replace(/[&<>]/g, (c) => ESCAPES[c]!));
}

/** Text shown as written, as far as mrkdwn allows: escaped, and never two backticks side by
 * side (so it cannot open or close a code block, wherever it is put). */
export function literalMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(/`(?=`)/g, `\`${ZWSP}`);
}

/** literalMrkdwn of `text`, cut so the result is at most `max` units (with `ellipsis`). */
export function cutLiteral(text: string, max: number, ellipsis = "…"): string {
  // literalMrkdwn depends on neighbours (a backtick after a backtick), so a cut counted per
  // grapheme can come out a little long: cut again, shorter by what it overshot.
  for (let room = max; room >= 0; ) {
    const cut = cutEscaped(text, room, literalMrkdwn, ellipsis);
    if (cut.length <= max) return cut;
    room -= cut.length - max;
  }
  return "";
}

/** What goes between inline code's backticks: escaped, on one line, and without a backtick. */
function codeText(text: string): string {
  return escapeMrkdwn(text).replace(/`/g, BACKTICK_LOOKALIKE);
}

/** `text` as inline code of at most `max` units in all; empty when there is nothing to show. */
export function inlineCode(text: string, max = 300): string {
  const line = text.trim().replace(/\s*\n\s*/g, " ⏎ ");
  if (!line) return "";
  return `\`${cutEscaped(line, Math.max(1, max - 2), codeText)}\``;
}

/** A code block: the code escaped, its backticks kept from closing it, its fences on lines of
 * their own (Slack shows no language, so none is given). */
export function codeBlock(code: string): string {
  const body = literalMrkdwn(code.replace(/\r\n?/g, "\n"));
  return `\`\`\`\n${body.trim() ? body : " "}\n\`\`\``;
}

/** Markdown as agents write it → Slack mrkdwn. A fence left open runs to the end, as in
 * CommonMark (and as a cut head of a long output needs); a table becomes a code block, where
 * its columns line up, since mrkdwn has none. */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  for (const block of markdownBlocks(markdown, { tables: true, rules: true })) {
    const written = blockMrkdwn(block);
    if (written !== undefined) out.push(written);
  }
  return out.join("\n");
}

/** A block as mrkdwn; undefined for one that shows nothing (an empty code block). */
function blockMrkdwn(block: Block): string | undefined {
  switch (block.kind) {
    case "code":
      return block.code.trim() ? codeBlock(block.code) : undefined;
    case "table":
      return codeBlock(block.rows.map((row) => row.trim()).join("\n"));
    case "heading": {
      const text = inlineMrkdwn(block.text, { bold: true });
      return text.trim() ? `*${text}*` : "";
    }
    case "rule":
      return "──────────";
    case "quote":
      return block.lines.map((line) => `> ${inlineMrkdwn(line)}`).join("\n");
    case "bullet":
      return `${block.indent}• ${inlineMrkdwn(block.text)}`;
    case "line":
      return inlineMrkdwn(block.text);
  }
}

/** A line's inline Markdown as mrkdwn. Its pieces are written one by one, so two backticks can
 * meet where two pieces do (an escaped backtick beside another, two code spans): kept apart here,
 * as three in a row would open a code block. */
function inlineMrkdwn(text: string, marks?: Parameters<typeof inlineMarkdown>[2]): string {
  return inlineMarkdown(text, MRKDWN, marks).replace(/`(?=`)/g, `\`${ZWSP}`);
}

/** A link longer than this (escaped) is left as text: it could not be cut into a section
 * without breaking it, and no real address is that long. */
export const LINK_MAX = 3000;

const MRKDWN_MARK: Record<Mark, string> = { bold: "*", italic: "_", strike: "~" };

/** Inline marks as mrkdwn's. mrkdwn cannot nest a mark in itself, so marks already open around a
 * span are not opened again; a link's label holds no marks at all (nor code's backticks). */
const MRKDWN: InlineSyntax = {
  text: literalMrkdwn,
  code: (code, marks) => {
    if (!code.trim()) return undefined;
    return marks.link ? codeText(code) : `\`${codeText(code)}\``;
  },
  emphasis: (body, open, marks) =>
    marks.link
      ? body
      : open.reduceRight((acc, mark) => `${MRKDWN_MARK[mark]}${acc}${MRKDWN_MARK[mark]}`, body),
  linkUrl: /^(?:https?:\/\/|mailto:)[^\s<>"|`]+$/i,
  /** `[text](https://…)` → `<https://…|text>`. */
  link: (url, label) => {
    const shown = label?.trim();
    const text = shown ? `<${escapeMrkdwn(url)}|${shown}>` : `<${escapeMrkdwn(url)}>`;
    return text.length <= LINK_MAX ? text : undefined;
  },
  bareLink: (src, at) => {
    const url = bareUrl(src, at, BARE_URL);
    if (!url) return undefined;
    const text = `<${escapeMrkdwn(url)}>`;
    return text.length <= LINK_MAX ? { text, length: url.length } : undefined;
  },
};

const BARE_URL = /https?:\/\/[^\s<>"|`]+/y;
