// Cutting mrkdwn (as render-mrkdwn.ts makes it) into pieces of a bounded length, each of which
// Slack reads as it was meant: a code block cut in two is closed at the end of one piece and
// opened again at the start of the next; an entity (&amp;), a link (<url|text>), a surrogate pair
// and a grapheme are never split; and a cut falls at a line break when one is near.
import { segmentsOf } from "../cut-text.js";

const FENCE = "```";
const CLOSE = `\n${FENCE}`;
const OPEN = `${FENCE}\n`;
/** Pieces shorter than this cannot hold a reopened code block and a character. */
const MIN_PIECE = 16;

/** mrkdwn cut into pieces of at most `max` units each, in order (at most `limit` of them). A
 * text that fits is its own one piece; pieces that would hold only white space are left out. */
export function splitMrkdwn(text: string, max: number, limit = Number.POSITIVE_INFINITY): string[] {
  if (text.length <= max) return [text];
  if (max < MIN_PIECE) throw new RangeError(`pieces of ${max} cannot hold a code block`);
  const pieces: string[] = [];
  let piece = "";
  /** Inside a code block at the end of `piece`. */
  let fence = false;
  /** The last line break in `piece`, and whether a code block was open there. */
  let lineEnd = -1;
  let fenceAtLine = false;

  const fresh = () => piece === "" || piece === OPEN;
  const flush = () => {
    // Break at the last line break when it keeps at least half the piece.
    const atLine = lineEnd > 0 && lineEnd >= piece.length / 2;
    const cut = atLine ? lineEnd : piece.length;
    const open = atLine ? fenceAtLine : fence;
    const head = piece.slice(0, cut);
    if (head.trim() && head !== FENCE) pieces.push(open ? `${head}${CLOSE}` : head);
    piece = (open ? OPEN : "") + piece.slice(atLine ? cut + 1 : cut);
    lineEnd = -1;
  };
  const add = (token: string): void => {
    if (token.length > max - OPEN.length - CLOSE.length) {
      // Longer than any piece can hold: a link (its address is up to 2000 units) is shown as
      // its text instead, and a hostile grapheme is cut at its code points.
      if (token.startsWith("<")) for (const part of tokens(linkText(token))) add(part);
      else for (const part of token) add(part);
      return;
    }
    for (;;) {
      const after = token === FENCE ? !fence : fence;
      if (piece.length + token.length + (after ? CLOSE.length : 0) <= max) {
        if (token === "\n") {
          // A line break just after a cut is the cut itself.
          if (fresh()) return;
          lineEnd = piece.length;
          fenceAtLine = fence;
        }
        piece += token;
        fence = after;
        return;
      }
      flush();
      if (pieces.length >= limit) return;
    }
  };
  for (const token of tokens(text)) {
    add(token);
    if (pieces.length >= limit) return pieces;
  }
  if (piece.trim() && piece !== OPEN) pieces.push(fence ? `${piece}${CLOSE}` : piece);
  return pieces.slice(0, limit);
}

/** mrkdwn cut to at most `max` units, `suffix` after it when anything was cut (on a line of its
 * own after a code block). */
export function cutMrkdwn(text: string, max: number, suffix = "…"): string {
  if (text.length <= max) return text;
  const [head = ""] = splitMrkdwn(text, max - suffix.length - 1, 1);
  return head.endsWith(FENCE) && !suffix.startsWith("\n")
    ? `${head}\n${suffix}`
    : `${head}${suffix}`;
}

/** What a link shows, for when the link itself cannot fit: `<url|text>` → text, `<url>` → url. */
function linkText(token: string): string {
  const inner = token.slice(1, -1);
  const bar = inner.indexOf("|");
  return bar < 0 ? inner : inner.slice(bar + 1);
}

const ENTITY = /&(?:amp|lt|gt);/y;
// As long as render-mrkdwn makes a link (LINK_MAX).
const LINK = /<[^<>\n]{1,3000}>/y;
/** A grapheme longer than this is only in hostile input: it is cut at code points. */
const LONG_CLUSTER = 64;

/** The units a cut may not split: a line break, a code fence, an entity, a link, a grapheme. */
function* tokens(text: string): Generator<string> {
  let skipTo = 0;
  for (const { index, segment } of segmentsOf(text)) {
    if (index + segment.length <= skipTo) continue;
    if (index < skipTo) {
      // A grapheme that began inside the token before it (a combining mark after `>`).
      yield* segment.slice(skipTo - index);
      continue;
    }
    const token = atomAt(text, index, segment);
    if (token) {
      yield token;
      skipTo = index + token.length;
    } else if (segment.includes("\n")) {
      for (const part of segment.split(/(\n)/)) if (part) yield part;
    } else if (segment.length > LONG_CLUSTER) {
      yield* segment;
    } else {
      yield segment;
    }
  }
}

function atomAt(text: string, index: number, segment: string): string | undefined {
  const c = segment[0];
  if (c === "`" && text.startsWith(FENCE, index)) return FENCE;
  const pattern = c === "&" ? ENTITY : c === "<" ? LINK : undefined;
  if (!pattern) return undefined;
  pattern.lastIndex = index;
  const token = pattern.exec(text)?.[0];
  return token && token.length > segment.length ? token : undefined;
}
