// Cutting text for a chat message without splitting a surrogate pair or a grapheme (an emoji
// with its modifiers), so what is cut still reads and can still be sent as UTF-8. Shared by the
// bridges; each escapes for its own markup. Lengths are UTF-16 code units, which is what
// Telegram counts and never less than what Slack counts.

// Half of a surrogate pair alone is not UTF-8: the Bot API and Slack refuse a request holding one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with each lone surrogate replaced by U+FFFD, so it can be sent as UTF-8. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Intl.Segmenter's steps grow slower with the length of the string it walks (a 400 kB text
 * took seconds per 10,000 graphemes): it is given the text a window at a time. */
const WINDOW = 256;

/** The graphemes of `text` in order, with where each starts; lazily, so a cut near the start of
 * a long text reads only its start. */
export function* segmentsOf(text: string): Generator<{ index: number; segment: string }> {
  let at = 0;
  while (at < text.length) {
    const stop = Math.min(text.length, at + WINDOW);
    let next = stop;
    for (const { index, segment } of graphemes.segment(text.slice(at, stop))) {
      // A window's last grapheme may go on past it: the next window starts with it instead
      // (unless it fills the window, which only a hostile cluster does).
      if (stop < text.length && index > 0 && at + index + segment.length === stop) {
        next = at + index;
        break;
      }
      yield { index: at + index, segment };
    }
    at = next;
  }
}

/** Looks this far past a cut for the grapheme that spans it; longer clusters are cut anyway
 * (at a code point), which only a hostile input has. */
const CLUSTER_SLACK = 64;

/** The longest prefix of `text` that is at most `max` units and ends at a grapheme boundary. */
function graphemePrefix(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of segmentsOf(text)) {
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

/** Plain text cut to at most `max` units, ending with `ellipsis` when anything was cut. */
export function cutText(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) return text;
  return `${graphemePrefix(text, Math.max(0, max - ellipsis.length)).trimEnd()}${ellipsis}`;
}

/** Plain text escaped by `escapeFor`, cut first so that the escaped text is at most `max` units
 * (with the ellipsis when cut). `escapeFor` never shortens a text. */
export function cutEscaped(
  text: string,
  max: number,
  escapeFor: (text: string) => string,
  ellipsis = "…",
): string {
  if (text.length <= max) {
    const whole = escapeFor(text);
    if (whole.length <= max) return whole;
  }
  // One pass over the graphemes that can fit, adding up their escaped lengths.
  let length = 0;
  let end = 0;
  for (const { index, segment } of segmentsOf(text)) {
    if (index > max + CLUSTER_SLACK) break;
    length += escapeFor(segment).length;
    if (length + ellipsis.length > max) break;
    end = index + segment.length;
  }
  return `${escapeFor(text.slice(0, end).trimEnd())}${ellipsis}`;
}

/** At most `count` lines of `text`, and how many lines were left out. */
export function headLines(text: string, count: number): { head: string; rest: number } {
  const lines = text.split("\n");
  if (lines.length <= count) return { head: text, rest: 0 };
  return { head: lines.slice(0, count).join("\n"), rest: lines.length - count };
}
