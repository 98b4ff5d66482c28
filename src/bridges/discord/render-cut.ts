// Cutting Discord Markdown (as render-markdown.ts makes it) into pieces of a bounded length, each
// of which Discord reads as it was meant: a code block cut in two is closed at the end of one
// piece and opened again, with its language, at the start of the next; a cut falls at a line
// break where it can, and never splits a surrogate pair, a grapheme or an escape (`\*`).
import { segmentsOf } from "../cut-text.js";

const FENCE = "```";
const CLOSE = `\n${FENCE}`;
/** Pieces shorter than this cannot hold a reopened code block and a character. */
const MIN_PIECE = 48;

/** A fence line as render-markdown writes one: three backticks and a language, alone. */
const isFence = (line: string): boolean => /^```[A-Za-z0-9_+#.-]*$/.test(line);

/** Discord Markdown cut into pieces of at most `max` units each, in order (at most `limit`). A
 * text that fits is its own one piece; pieces that would hold only white space are left out. */
export function splitDiscord(
  text: string,
  max: number,
  limit = Number.POSITIVE_INFINITY,
): string[] {
  if (text.length <= max) return [text];
  if (max < MIN_PIECE) throw new RangeError(`pieces of ${max} cannot hold a code block`);
  const pieces: string[] = [];
  /** The open piece's lines, and the fence line of the code block open at its end. */
  let lines: string[] = [];
  let length = 0;
  let fence: string | undefined;
  /** Whether the piece holds more than a reopened fence. */
  let filled = false;

  const flush = () => {
    const body = lines.join("\n");
    if (filled && body.trim()) pieces.push(fence ? `${body}${CLOSE}` : body);
    lines = fence ? [fence] : [];
    length = fence ? fence.length : 0;
    filled = false;
  };
  const room = () => max - (fence ? CLOSE.length : 0);
  const push = (line: string) => {
    length += (lines.length > 0 ? 1 : 0) + line.length;
    lines.push(line);
    filled = true;
  };

  for (const line of text.split("\n")) {
    if (pieces.length >= limit) break;
    if (isFence(line)) {
      const opening = fence === undefined;
      // An opening fence needs room for a line of code and its close after it.
      const needs = opening ? line.length + 2 + CLOSE.length : line.length;
      if (length + 1 + needs > max) flush();
      if (opening) {
        push(line);
        fence = line;
      } else {
        fence = undefined;
        push(line);
      }
      continue;
    }
    if (length + (lines.length > 0 ? 1 : 0) + line.length <= room()) {
      push(line);
      continue;
    }
    const next = room() - (fence ? fence.length + 1 : 0);
    if (line.length <= next) {
      // It fits a fresh piece: it starts one.
      flush();
      push(line);
      continue;
    }
    // Longer than any piece: the line in chunks, the first filling this piece.
    const sep = lines.length > 0 ? 1 : 0;
    const [first = "", ...rest] = chunks(line, room() - length - sep, next);
    if (first) push(first);
    for (const chunk of rest) {
      flush();
      if (pieces.length >= limit) break;
      push(chunk);
    }
  }
  if (pieces.length < limit) flush();
  return pieces.slice(0, limit);
}

/** A line in chunks: the first at most `first` units, the others at most `next`. */
function chunks(line: string, first: number, next: number): string[] {
  const out: string[] = [];
  let chunk = "";
  let room = first;
  for (const { segment } of segmentsOf(line)) {
    // A hostile grapheme longer than a piece is cut at code points (it has no cut that reads).
    for (const part of segment.length > next ? [...segment] : [segment]) {
      if (chunk.length + part.length > room) {
        // An escape's backslash stays with what it escapes.
        const carry = trailingBackslashes(chunk) % 2 === 1 ? "\\" : "";
        out.push(carry ? chunk.slice(0, -1) : chunk);
        chunk = carry;
        room = next;
      }
      chunk += part;
    }
  }
  out.push(chunk);
  return out;
}

function trailingBackslashes(text: string): number {
  let n = 0;
  while (text[text.length - 1 - n] === "\\") n++;
  return n;
}

/** Discord Markdown cut to at most `max` units, `suffix` after it when anything was cut (on a
 * line of its own after a code block). */
export function cutDiscord(text: string, max: number, suffix = "…"): string {
  if (text.length <= max) return text;
  const [head = ""] = splitDiscord(text, max - suffix.length - 1, 1);
  return head.endsWith(FENCE) && !suffix.startsWith("\n")
    ? `${head}\n${suffix}`
    : `${head}${suffix}`;
}
