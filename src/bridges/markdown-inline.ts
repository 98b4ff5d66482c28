// Markdown's inline marks as agents write them, found the same way for every chat: `code`,
// **bold**, __bold__, *italic*, _italic_, ~~strike~~, [links](…) and backslash escapes. This
// scanner decides where each span starts and ends; the chat's InlineSyntax decides how it is
// written, and may refuse a span, which then stays as it was typed (as a mark without its partner
// does).

/** How far a mark looks for its partner: bounds the work on a hostile line (a 100 kB run of
 * `*a `) and keeps a stray mark from swallowing a long line. */
const SEARCH_WINDOW = 2000;

/** What an emphasis span makes its text. */
export type Mark = "bold" | "italic" | "strike";

/** The marks already open around the text, and whether it is a link's label. */
export interface Marks {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  link?: boolean;
}

/** How one chat writes the spans the scanner finds. */
export interface InlineSyntax {
  /** Plain text, escaped for the chat. */
  text(text: string): string;
  /** A code span's text (its padding taken off); undefined leaves its backticks as typed. */
  code(code: string, marks: Marks): string | undefined;
  /** An emphasis span's written body in the marks it opens, outermost first (those already open
   * around it are left out). */
  emphasis(body: string, open: readonly Mark[], marks: Marks): string;
  /** The addresses a `[label](address)` may link to. */
  linkUrl: RegExp;
  /** A link to `url` (a linkUrl) with its written label, undefined when the label is blank;
   * undefined leaves the link as typed. */
  link(url: string, label: string | undefined): string | undefined;
  /** A bare address starting at `at` ("https://…" after no letter or digit), written as a link,
   * and how much of the source it takes; absent where the chat links addresses itself. */
  bareLink?(src: string, at: number): { text: string; length: number } | undefined;
  /** An emphasis mark left without its partner (`**`, `_`), as written; absent, it stays as it
   * was typed. A chat whose own parser would pair it with a mark elsewhere escapes it. */
  strayMark?(run: string): string;
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
/** Where a mark, an escape or a link may start; with bare links, an address too. */
const SPECIAL = /[\\`*_~[]/g;
const SPECIAL_OR_ADDRESS = /[\\`*_~[]|https?:\/\//g;

/** One line's inline marks, written in the chat's syntax. */
export function inlineMarkdown(src: string, syntax: InlineSyntax, marks: Marks = {}): string {
  const scanned: Scanned = new Map();
  const special = syntax.bareLink ? SPECIAL_OR_ADDRESS : SPECIAL;
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\" && PUNCTUATION.test(src[i + 1] ?? "")) {
      out += syntax.text(src[i + 1]!);
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = runLength(src, i, "`");
      const close = findRun(src, i + run, "`", run);
      const code = close >= 0 ? syntax.code(codeSpan(src.slice(i + run, close)), marks) : undefined;
      if (code !== undefined) {
        out += code;
        i = close + run;
      } else {
        out += syntax.text(src.slice(i, i + run));
        i += run;
      }
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const done = emphasis(src, i, syntax, marks, scanned);
      if (done) {
        out += done.text;
        i = done.end;
      } else {
        const run = runLength(src, i, c);
        const stray = src.slice(i, i + run);
        out += syntax.strayMark ? syntax.strayMark(stray) : stray;
        i += run;
      }
      continue;
    }
    if (c === "[" && !marks.link) {
      const link = linkAt(src, i, syntax, marks);
      if (link) {
        out += link.text;
        i = link.end;
        continue;
      }
    }
    if (c === "h" && syntax.bareLink && !marks.link && !WORD.test(src[i - 1] ?? "")) {
      const link = syntax.bareLink(src, i);
      if (link) {
        out += link.text;
        i += link.length;
        continue;
      }
    }
    // Plain text up to the next character that may start a mark, escaped in one piece (so a
    // surrogate pair is never taken apart).
    special.lastIndex = i + 1;
    const next = special.exec(src)?.index ?? src.length;
    out += syntax.text(src.slice(i, next));
    i = next;
  }
  return out;
}

/** `` ` code ` `` keeps its inner text; one space each side is padding, as in CommonMark. */
function codeSpan(text: string): string {
  return text.length > 2 && text.startsWith(" ") && text.endsWith(" ") ? text.slice(1, -1) : text;
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

/** Markdown's emphasis marks and what each makes its text (outermost first). */
const EMPHASIS: { mark: string; wraps: Mark[] }[] = [
  { mark: "***", wraps: ["bold", "italic"] },
  { mark: "___", wraps: ["bold", "italic"] },
  { mark: "**", wraps: ["bold"] },
  { mark: "__", wraps: ["bold"] },
  { mark: "~~", wraps: ["strike"] },
  { mark: "*", wraps: ["italic"] },
  { mark: "_", wraps: ["italic"] },
];

/** An emphasis span starting at `at`, when its closing mark is found; else undefined. */
function emphasis(
  src: string,
  at: number,
  syntax: InlineSyntax,
  marks: Marks,
  scanned: Scanned,
): Span | undefined {
  const run = runLength(src, at, src[at]!);
  for (const { mark, wraps } of EMPHASIS) {
    if (!src.startsWith(mark, at) || run !== mark.length) continue;
    if (!opens(src, at, mark)) return undefined;
    const close = findCloser(src, at + mark.length, mark, scanned);
    if (close < 0) return undefined;
    const nested: Marks = { ...marks };
    for (const flag of wraps) nested[flag] = true;
    const body = inlineMarkdown(src.slice(at + mark.length, close), syntax, nested);
    const open = wraps.filter((flag) => !marks[flag]);
    return { text: syntax.emphasis(body, open, marks), end: close + mark.length };
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

/** `[label](address)` at `at`, when the chat links to that address. */
function linkAt(src: string, at: number, syntax: InlineSyntax, marks: Marks): Span | undefined {
  const m = /^\[([^\]\n]{0,500})\]\(([^()\s]{1,2000})\)/.exec(src.slice(at, at + SEARCH_WINDOW));
  if (!m || !syntax.linkUrl.test(m[2]!)) return undefined;
  const label = m[1]!.trim() ? inlineMarkdown(m[1]!, syntax, { ...marks, link: true }) : undefined;
  const text = syntax.link(m[2]!, label);
  return text === undefined ? undefined : { text, end: at + m[0].length };
}
