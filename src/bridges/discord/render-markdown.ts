// Discord's Markdown: escaping, and Markdown as agents write it told in the marks Discord reads
// (**bold**, *italic*, ~~strike~~, `code`, ``` blocks with a language, > quotes, ### headings,
// - lists, [text](url) links). The blocks and inline marks are found by the bridges' shared
// scanner; this says how each is written. Everything else is escaped, a mark without its partner
// too (Discord's parser would pair it with another), and mentions are neutralised.
//
// A code block ends at the first ``` anywhere, so no output here holds three backticks in a row
// except a code block's own fence, always a line of its own: inside a code block backticks get a
// zero-width space between them, and inside inline code a backtick becomes a look-alike (ˋ).
import { bareUrl } from "../bare-url.js";
import { cutEscaped, wellFormed } from "../cut-text.js";
import { type Block, markdownBlocks } from "../markdown-blocks.js";
import { type InlineSyntax, inlineMarkdown, type Mark, type Marks } from "../markdown-inline.js";

const ZWSP = "\u200B";
const BACKTICK_LOOKALIKE = "\u02CB";
/** What Discord reads as markup anywhere in a line: a backslash before it shows it as it is. */
const MARKUP = /[\\*_~`|[\]<]/g;
/** What Discord reads as markup only at the start of a line: a quote, a heading, a list, a
 * subtext line (`-#`), a numbered list (its `.` is escaped). */
const LINE_START = /^([ \t]*)([>#+]|-(?=[\s#]|$))/gm;
const NUMBERED = /^([ \t]*\d{1,9})([.)])(?=\s|$)/gm;
/** @everyone and @here ping a whole server: a zero-width space after the `@` keeps them text
 * (allowed_mentions stops the ping too; this stops them looking like one). */
const MASS_MENTION = /@(everyone|here)/g;

function neutralise(text: string): string {
  return text.replace(MASS_MENTION, `@${ZWSP}$1`);
}

/** Text inside a line as Discord Markdown that shows it as it is. */
function escapeInline(text: string): string {
  return neutralise(wellFormed(text).replace(MARKUP, "\\$&"));
}

/** Text (of one line or many) as Discord Markdown that shows it as it is: markup escaped,
 * mentions neutralised, a lone surrogate replaced by U+FFFD. */
export function escapeDiscord(text: string): string {
  return escapeInline(text.replace(/\r\n?/g, "\n"))
    .replace(LINE_START, "$1\\$2")
    .replace(NUMBERED, "$1\\$2");
}

/** escapeDiscord of `text`, cut so the result is at most `max` units (with `ellipsis`). */
export function cutLiteral(text: string, max: number, ellipsis = "…"): string {
  // Some escapes depend on neighbours (a line's start, @everyone), so a cut counted per
  // grapheme can come out a little long: cut again, shorter by what it overshot.
  for (let room = max; room >= 0; ) {
    const cut = cutEscaped(text, room, escapeDiscord, ellipsis);
    if (cut.length <= max) return cut;
    room -= cut.length - max;
  }
  return "";
}

/** What goes between inline code's backticks: one line, no backtick. */
function codeText(text: string): string {
  return wellFormed(text).replace(/`/g, BACKTICK_LOOKALIKE);
}

/** `text` as inline code of at most `max` units in all; empty when there is nothing to show. */
export function inlineCode(text: string, max = 300): string {
  const line = text.trim().replace(/\s*\n\s*/g, " ⏎ ");
  if (!line) return "";
  return `\`${cutEscaped(line, Math.max(1, max - 2), codeText)}\``;
}

const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** A code block with its language (when it is a name Discord reads as one), its backticks
 * kept from closing it, its fences on lines of their own. */
export function codeBlock(code: string, language = ""): string {
  const body = wellFormed(code.replace(/\r\n?/g, "\n")).replace(/`(?=`)/g, `\`${ZWSP}`);
  const lang = LANGUAGE.test(language) ? language : "";
  return `\`\`\`${lang}\n${body.trim() ? body : " "}\n\`\`\``;
}

/** Markdown as agents write it → Discord Markdown. A fence left open runs to the end, as in
 * CommonMark (and as a cut head of a long output needs); a table becomes a code block, where
 * its columns line up, since Discord has none. */
export function markdownToDiscord(markdown: string): string {
  const out: string[] = [];
  for (const block of markdownBlocks(markdown, { tables: true, rules: true })) {
    const written = blockDiscord(block);
    if (written !== undefined) out.push(written);
  }
  return out.join("\n");
}

/** A block as Discord Markdown; undefined for one that shows nothing (an empty code block). */
function blockDiscord(block: Block): string | undefined {
  switch (block.kind) {
    case "code":
      return block.code.trim() ? codeBlock(block.code, block.language) : undefined;
    case "table":
      return codeBlock(block.rows.map((row) => row.trim()).join("\n"));
    case "heading": {
      // The scanner keeps no level; Discord's smallest heading reads best in a thread.
      const text = inline(block.text, { bold: true });
      return text.trim() ? `### ${text}` : "";
    }
    case "rule":
      return "──────────";
    case "quote":
      return block.lines.map((line) => `> ${inline(line)}`).join("\n");
    case "bullet":
      return `${block.indent}- ${inline(block.text)}`;
    case "line":
      // A line that starts like subtext (`-# `) was not meant as one. A numbered list was.
      return inline(block.text).replace(/^([ \t]*)-#/, "$1\\-#");
  }
}

function inline(text: string, marks?: Marks): string {
  return inlineMarkdown(text, DISCORD, marks);
}

const MARK: Record<Mark, string> = { bold: "**", italic: "*", strike: "~~" };

/** A link longer than this is left as text: no real address is that long. */
const LINK_MAX = 1000;

/** Inline marks as Discord's. Marks already open around a span are not opened again. */
const DISCORD: InlineSyntax = {
  text: escapeInline,
  code: (code) => (code.trim() ? `\`${codeText(code)}\`` : undefined),
  emphasis: (body, open) =>
    open.reduceRight((acc, mark) => `${MARK[mark]}${acc}${MARK[mark]}`, body),
  linkUrl: /^https?:\/\/[^\s<>"`|\\[\]]+$/i,
  /** `[text](https://…)`; Discord refuses a label that is itself an address, so that one is
   * shown as the address alone. */
  link: (url, label) => {
    if (url.length > LINK_MAX) return undefined;
    const shown = label?.trim();
    return shown && !/https?:\/\//i.test(shown) ? `[${shown}](${url})` : url;
  },
  bareLink: (src, at) => {
    const url = bareUrl(src, at, BARE_URL);
    return url && url.length <= LINK_MAX ? { text: url, length: url.length } : undefined;
  },
  strayMark: (run) => run.replace(/./g, "\\$&"),
};

const BARE_URL = /https?:\/\/[^\s<>"`|\\[\]]+/y;
