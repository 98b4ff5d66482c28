// Markdown as agents write it, told in the few tags Telegram's HTML knows. Blocks first (code
// fences, headings, quotes, bullets), then inline marks line by line. A mark without its partner
// stays as it was typed; everything else is escaped, so the result always parses.
import { escapeHtml } from "./render-html.js";

/** How far a mark looks for its partner: bounds the work on a hostile line (a 100 kB run of
 * `*a `) and keeps a stray mark from swallowing a long line. */
const SEARCH_WINDOW = 2000;

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^(\s*)[-*+][ \t]+(.*)$/;
const SAFE_LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** Markdown as agents write it → Telegram HTML (parse_mode HTML). A fence left open runs to the
 * end, as in CommonMark (and as a cut head of a long output needs). */
export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      for (i++; i < lines.length && !isFenceEnd(lines[i]!, marker); i++) body.push(lines[i]!);
      out.push(codeBlock(body.join("\n"), fence[2] ?? ""));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const text = heading[1]!;
      out.push(text ? `<b>${inline(text, { bold: true })}</b>` : "");
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++) {
        quoted.push(inline(QUOTE.exec(lines[i]!)![1]!, {}));
      }
      i--;
      const body = quoted.join("\n");
      out.push(body.trim() ? `<blockquote>${body}</blockquote>` : body);
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

/** A code block, with its language when it is a plain name (it goes into an attribute). */
export function codeBlock(code: string, language = ""): string {
  return SAFE_LANGUAGE.test(language)
    ? `<pre><code class="language-${language}">${escapeHtml(code)}</code></pre>`
    : `<pre>${escapeHtml(code)}</pre>`;
}

/** The marks already open around the text: Telegram has no use for <b> inside <b>. */
interface Marks {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  link?: boolean;
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
const SPECIAL = /[\\`*_~[]/g;
const LINK_URL = /^https?:\/\/[^\s<>"]+$/i;

/** One line's inline marks: `code`, **bold**, __bold__, *italic*, _italic_, ~~strike~~, links. */
function inline(src: string, marks: Marks): string {
  const scanned: Scanned = new Map();
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\" && PUNCTUATION.test(src[i + 1] ?? "")) {
      out += escapeHtml(src[i + 1]!);
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = runLength(src, i, "`");
      const close = findRun(src, i + run, "`", run);
      if (close >= 0) {
        out += `<code>${escapeHtml(codeSpan(src.slice(i + run, close)))}</code>`;
        i = close + run;
      } else {
        out += src.slice(i, i + run);
        i += run;
      }
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const done = emphasis(src, i, marks, scanned);
      if (done) {
        out += done.html;
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
        out += link.html;
        i = link.end;
        continue;
      }
    }
    // Plain text up to the next character that may start a mark, escaped in one piece (so a
    // surrogate pair is never taken apart).
    SPECIAL.lastIndex = i + 1;
    const next = SPECIAL.exec(src)?.index ?? src.length;
    out += escapeHtml(src.slice(i, next));
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
  html: string;
  end: number;
}

const EMPHASIS: { mark: string; tags: string[]; flag: keyof Marks }[] = [
  { mark: "***", tags: ["b", "i"], flag: "bold" },
  { mark: "___", tags: ["b", "i"], flag: "bold" },
  { mark: "**", tags: ["b"], flag: "bold" },
  { mark: "__", tags: ["b"], flag: "bold" },
  { mark: "~~", tags: ["s"], flag: "strike" },
  { mark: "*", tags: ["i"], flag: "italic" },
  { mark: "_", tags: ["i"], flag: "italic" },
];

/** An emphasis span starting at `at`, when its closing mark is found; else undefined. */
function emphasis(src: string, at: number, marks: Marks, scanned: Scanned): Span | undefined {
  const run = runLength(src, at, src[at]!);
  for (const { mark, tags, flag } of EMPHASIS) {
    if (!src.startsWith(mark, at) || run !== mark.length) continue;
    if (!opens(src, at, mark)) return undefined;
    const close = findCloser(src, at + mark.length, mark, scanned);
    if (close < 0) return undefined;
    const inner = src.slice(at + mark.length, close);
    const nested: Marks = { ...marks, [flag]: true };
    if (tags.length === 2) nested.italic = true;
    const body = inline(inner, nested);
    // Tags already open around this span are not opened again; the text is kept.
    const wanted = tags.filter(
      (t) => !(t === "b" ? marks.bold : t === "i" ? marks.italic : marks.strike),
    );
    const html = wanted.reduceRight((acc, tag) => `<${tag}>${acc}</${tag}>`, body);
    return { html, end: close + mark.length };
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

/** `[text](https://…)` at `at`; only http(s) addresses become links. */
function linkAt(src: string, at: number, marks: Marks): Span | undefined {
  const m = /^\[([^\]\n]{0,500})\]\(([^()\s]{1,2000})\)/.exec(src.slice(at, at + SEARCH_WINDOW));
  if (!m || !LINK_URL.test(m[2]!)) return undefined;
  const url = m[2]!;
  const text = m[1]!.trim() ? inline(m[1]!, { ...marks, link: true }) : escapeHtml(url);
  return { html: `<a href="${escapeHtml(url)}">${text}</a>`, end: at + m[0].length };
}
