// The safe edges of Telegram HTML: escaping, and cutting text or HTML to a length without ever
// splitting a tag, an entity, a surrogate pair or a grapheme (an emoji with its modifiers), so
// what is cut still parses and still reads. Lengths are UTF-16 code units, as Telegram counts.

/** Telegram's limit on a message's text. */
export const MESSAGE_LIMIT = 4096;
/** Telegram's limit on a document's caption. */
export const CAPTION_LIMIT = 1024;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

// Half of a surrogate pair alone is not UTF-8, and the Bot API refuses a request holding one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as Telegram HTML: `&`, `<`, `>` and `"` escaped, so it is safe in text and attributes
 * (and a lone surrogate, which only a cut elsewhere makes, replaced by U+FFFD). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]!).replace(LONE_SURROGATE, "\uFFFD");
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Looks this far past a cut for the grapheme that spans it; longer clusters are cut anyway
 * (at a code point), which only a hostile input has. */
const CLUSTER_SLACK = 64;

/** The longest prefix of `text` that is at most `max` units and ends at a grapheme boundary. */
function prefixAt(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of graphemes.segment(text.slice(0, max + CLUSTER_SLACK))) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  if (end === 0 && max > 0) {
    // One cluster longer than max: cut it at a code point rather than return nothing.
    end = max;
    if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
  }
  return text.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Text with each lone surrogate replaced by U+FFFD, so it can be sent as UTF-8. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** Plain text cut to at most `max` units, ending with `ellipsis` when anything was cut. */
export function cutText(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) return text;
  return `${prefixAt(text, Math.max(0, max - ellipsis.length)).trimEnd()}${ellipsis}`;
}

/** Plain text escaped, cut first so that the escaped text is at most `max` units (with the
 * ellipsis when cut). */
export function escapeCut(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) {
    const whole = escapeHtml(text);
    if (whole.length <= max) return whole;
  }
  // One pass over the graphemes that can fit (escaping never shortens), adding up their escaped
  // lengths.
  let length = 0;
  let end = 0;
  for (const { index, segment } of graphemes.segment(text.slice(0, max + CLUSTER_SLACK))) {
    length += escapeHtml(segment).length;
    if (length + ellipsis.length > max) break;
    end = index + segment.length;
  }
  return `${escapeHtml(text.slice(0, end).trimEnd())}${ellipsis}`;
}

/** At most `count` lines of `text`, and how many lines were left out. */
export function headLines(text: string, count: number): { head: string; rest: number } {
  const lines = text.split("\n");
  if (lines.length <= count) return { head: text, rest: 0 };
  return { head: lines.slice(0, count).join("\n"), rest: lines.length - count };
}

// A tag, an entity, a surrogate pair, or one other unit: what an HTML cut may not split.
const TOKEN =
  /<[^>]*>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,6});|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

/**
 * HTML (as this module makes it: balanced tags) cut to at most `max` units with `suffix` after
 * it. Tags still open at the cut are closed, so the result parses; `suffix` (HTML too) comes
 * after them, outside any <pre>.
 */
export function cutHtml(html: string, max: number, suffix = ""): string {
  if (html.length <= max) return html;
  const open: string[] = [];
  let closing = 0;
  let out = "";
  for (const [token] of html.matchAll(TOKEN)) {
    let next = closing;
    let name: string | undefined;
    if (token.startsWith("</")) {
      next -= token.length;
    } else if (token.startsWith("<") && token.length > 1) {
      name = /^<([a-zA-Z][a-zA-Z-]*)/.exec(token)?.[1]?.toLowerCase();
      if (name) next += name.length + 3;
    }
    if (out.length + token.length + next + suffix.length > max) break;
    out += token;
    closing = next;
    if (token.startsWith("</")) open.pop();
    else if (name) open.push(name);
  }
  const closers = open
    .reverse()
    .map((tag) => `</${tag}>`)
    .join("");
  return `${out}${closers}${suffix}`;
}
