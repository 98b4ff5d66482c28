// The safe edges of Telegram HTML: escaping, and cutting text or HTML to a length without ever
// splitting a tag, an entity, a surrogate pair or a grapheme (an emoji with its modifiers), so
// what is cut still parses and still reads. Lengths are UTF-16 code units, as Telegram counts.
import { cutEscaped, cutText, headLines, wellFormed } from "../cut-text.js";

/** Telegram's limit on a message's text. */
export const MESSAGE_LIMIT = 4096;
/** Telegram's limit on a document's caption. */
export const CAPTION_LIMIT = 1024;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

export { cutText, headLines, wellFormed };

/** Text as Telegram HTML: `&`, `<`, `>` and `"` escaped, so it is safe in text and attributes
 * (and a lone surrogate, which only a cut elsewhere makes, replaced by U+FFFD). */
export function escapeHtml(text: string): string {
  return wellFormed(text.replace(/[&<>"]/g, (c) => ESCAPES[c]!));
}

/** Plain text escaped, cut first so that the escaped text is at most `max` units (with the
 * ellipsis when cut). */
export function escapeCut(text: string, max: number, ellipsis = "…"): string {
  return cutEscaped(text, max, escapeHtml, ellipsis);
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
