// Slack's mrkdwn: escaping, and Markdown as agents write it told in mrkdwn's few marks (*bold*,
// _italic_, ~strike~, `code`, ``` blocks, <url|links>, > quotes). Blocks first (code fences,
// tables, headings, quotes, bullets), then inline marks line by line. A mark without its partner
// stays as it was typed; everything else is escaped.
//
// The one thing mrkdwn cannot escape is a backtick, and three in a row open a code block that
// swallows the rest of the text. So no output here ever holds two backticks side by side except
// a code block's own fence, which is always a line of its own: literal backticks get a zero-width
// space between them, and a backtick inside inline code becomes a look-alike (ˋ).
import { cutEscaped, wellFormed } from "../cut-text.js";

/** How far a mark looks for its partner: bounds the work on a hostile line (a 100 kB run of
 * `*a `) and keeps a stray mark from swallowing a long line. */
const SEARCH_WINDOW = 2000;

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

const FENCE = /^ {0,3}(`{3,}|~{3,})[^`]*$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^(\s*)[-*+][ \t]+(.*)$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;

/** Markdown as agents write it → Slack mrkdwn. A fence left open runs to the end, as in
 * CommonMark (and as a cut head of a long output needs); a table becomes a code block, where
 * its columns line up, since mrkdwn has none. */
export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      for (i++; i < lines.length && !isFenceEnd(lines[i]!, marker); i++) body.push(lines[i]!);
      if (body.join("").trim()) out.push(codeBlock(body.join("\n")));
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? "")) {
      const rows: string[] = [];
      for (; i < lines.length && TABLE_ROW.test(lines[i]!); i++) rows.push(lines[i]!.trim());
      i--;
      out.push(codeBlock(rows.join("\n")));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = inline(heading[1]!, { bold: true });
      out.push(text.trim() ? `*${text}*` : "");
      continue;
    }
    if (RULE.test(line)) {
      out.push("──────────");
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      out.push(`> ${inline(quote[1]!, {})}`);
      continue;
    }
    const bullet = BULLET.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• ${inline(bullet[2]!, {})}`);
      continue;
    }
    out.push(inline(line, {}));
  }
  return out.join("\n");
}

function isFenceEnd(line: string, marker: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return m !== null && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}

/** The marks already open around the text: mrkdwn cannot nest a mark in itself, and a link's
 * label holds no marks at all. */
interface Marks {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  link?: boolean;
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
/** Where a mark, an escape, a link or a bare address may start. */
const SPECIAL = /[\\`*_~[]|https?:\/\//g;
const LINK_URL = /^(?:https?:\/\/|mailto:)[^\s<>"|`]+$/i;
const BARE_URL = /https?:\/\/[^\s<>"|`]+/y;
/** A link longer than this (escaped) is left as text: it could not be cut into a section
 * without breaking it, and no real address is that long. */
export const LINK_MAX = 3000;

/** One line's inline marks: `code`, **bold**, __bold__, *italic*, _italic_, ~~strike~~, links. */
function inline(src: string, marks: Marks): string {
  const scanned: Scanned = new Map();
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\" && PUNCTUATION.test(src[i + 1] ?? "")) {
      out += literalMrkdwn(src[i + 1]!);
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = runLength(src, i, "`");
      const close = findRun(src, i + run, "`", run);
      const code = close >= 0 ? codeSpan(src.slice(i + run, close)) : "";
      if (code.trim()) {
        out += marks.link ? codeText(code) : `\`${codeText(code)}\``;
        i = close + run;
      } else {
        out += literalMrkdwn(src.slice(i, i + run));
        i += run;
      }
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const done = emphasis(src, i, marks, scanned);
      if (done) {
        out += done.text;
        i = done.end;
      } else {
        const run = runLength(src, i, c);
        out += src.slice(i, i + run);
        i += run;
      }
      continue;
    }
    if (c === "[" && !marks.link) {
      const link = linkAt(src, i, marks);
      if (link) {
        out += link.text;
        i = link.end;
        continue;
      }
    }
    if (c === "h" && !marks.link && !WORD.test(src[i - 1] ?? "")) {
      const url = bareUrl(src, i);
      const link = url && `<${escapeMrkdwn(url)}>`;
      if (url && link && link.length <= LINK_MAX) {
        out += link;
        i += url.length;
        continue;
      }
    }
    // Plain text up to the next character that may start a mark, escaped in one piece (so a
    // surrogate pair is never taken apart).
    SPECIAL.lastIndex = i + 1;
    const next = SPECIAL.exec(src)?.index ?? src.length;
    out += literalMrkdwn(src.slice(i, next));
    i = next;
  }
  return out;
}

/** `` ` code ` `` keeps its inner text; one space each side is padding, as in CommonMark. */
function codeSpan(text: string): string {
  return text.length > 2 && text.startsWith(" ") && text.endsWith(" ") ? text.slice(1, -1) : text;
}

/** An address written out (Slack would not link it: its text objects are verbatim), without
 * the punctuation that ends the sentence around it. */
function bareUrl(src: string, at: number): string | undefined {
  BARE_URL.lastIndex = at;
  let url = BARE_URL.exec(src)?.[0];
  if (!url) return undefined;
  url = url.replace(/[.,;:!?'*_~]+$/, "");
  while (url.endsWith(")") && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
  return /^https?:\/\/[^/?#]/.test(url) ? url : undefined;
}

function count(text: string, c: string): number {
  return text.split(c).length - 1;
}

function runLength(src: string, at: number, c: string): number {
  let n = 0;
  while (src[at + n] === c) n++;
  return n;
}

/** Where a run of exactly `n` × `c` starts at or after `from` (within the window), or -1. */
function findRun(src: string, from: number, c: string, n: number): number {
  const end = Math.min(src.length, from + SEARCH_WINDOW);
  for (let j = from; j < end; j++) {
    if (src[j] !== c) continue;
    const run = runLength(src, j, c);
    if (run === n) return j;
    j += run - 1;
  }
  return -1;
}

interface Span {
  text: string;
  end: number;
}

/** Markdown's emphasis marks and what each is in mrkdwn (outermost first). */
const EMPHASIS: { mark: string; wraps: (keyof Marks)[] }[] = [
  { mark: "***", wraps: ["bold", "italic"] },
  { mark: "___", wraps: ["bold", "italic"] },
  { mark: "**", wraps: ["bold"] },
  { mark: "__", wraps: ["bold"] },
  { mark: "~~", wraps: ["strike"] },
  { mark: "*", wraps: ["italic"] },
  { mark: "_", wraps: ["italic"] },
];

const MRKDWN_MARK: Record<string, string> = { bold: "*", italic: "_", strike: "~" };

/** An emphasis span starting at `at`, when its closing mark is found; else undefined. */
function emphasis(src: string, at: number, marks: Marks, scanned: Scanned): Span | undefined {
  const run = runLength(src, at, src[at]!);
  for (const { mark, wraps } of EMPHASIS) {
    if (!src.startsWith(mark, at) || run !== mark.length) continue;
    if (!opens(src, at, mark)) return undefined;
    const close = findCloser(src, at + mark.length, mark, scanned);
    if (close < 0) return undefined;
    const nested: Marks = { ...marks };
    for (const flag of wraps) nested[flag] = true;
    const body = inline(src.slice(at + mark.length, close), nested);
    // Marks already open around this span are not opened again, and a label has none.
    const wanted = marks.link ? [] : wraps.filter((flag) => !marks[flag]);
    const text = wanted.reduceRight((acc, flag) => {
      const m = MRKDWN_MARK[flag]!;
      return `${m}${acc}${m}`;
    }, body);
    return { text, end: close + mark.length };
  }
  return undefined;
}

/** A mark opens when text follows it, and an underscore only at the start of a word (so
 * snake_case_names stay as they are). */
function opens(src: string, at: number, mark: string): boolean {
  const after = src[at + mark.length] ?? "";
  if (after === "" || SPACE.test(after)) return false;
  return !(mark[0] === "_" && WORD.test(src[at - 1] ?? ""));
}

/** A mark closes after text, and an underscore only at the end of a word. */
function closes(src: string, at: number, mark: string): boolean {
  const before = src[at - 1] ?? "";
  if (before === "" || SPACE.test(before)) return false;
  return !(mark[0] === "_" && WORD.test(src[at + mark.length] ?? ""));
}

/** How far each mark has been looked for on this line without finding a closer: a later search
 * starts there, so a line of a thousand openers is scanned once, not once per opener. */
type Scanned = Map<string, number>;

/** The closing `mark` after `from`, skipping code spans, or -1. */
function findCloser(src: string, from: number, mark: string, scanned: Scanned): number {
  const end = Math.min(src.length, from + SEARCH_WINDOW);
  const c = mark[0]!;
  let j = Math.max(from + 1, scanned.get(mark) ?? 0);
  for (; j < end; j++) {
    const ch = src[j]!;
    if (ch === "\\") {
      j++;
    } else if (ch === "`") {
      const run = runLength(src, j, "`");
      const close = findRun(src, j + run, "`", run);
      j = close >= 0 ? close + run - 1 : j + run - 1;
    } else if (ch === c) {
      const run = runLength(src, j, c);
      if (run === mark.length && closes(src, j, mark)) return j;
      j += run - 1;
    }
  }
  scanned.set(mark, j);
  return -1;
}

/** `[text](https://…)` at `at` → `<https://…|text>`; only web and mail addresses become links. */
function linkAt(src: string, at: number, marks: Marks): Span | undefined {
  const m = /^\[([^\]\n]{0,500})\]\(([^()\s]{1,2000})\)/.exec(src.slice(at, at + SEARCH_WINDOW));
  if (!m || !LINK_URL.test(m[2]!)) return undefined;
  const url = escapeMrkdwn(m[2]!);
  const label = m[1]!.trim() ? inline(m[1]!, { ...marks, link: true }).trim() : "";
  const text = label ? `<${url}|${label}>` : `<${url}>`;
  return text.length <= LINK_MAX ? { text, end: at + m[0].length } : undefined;
}
