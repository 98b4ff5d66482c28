// Nesting depth of JSON text, counted by one pass over the characters before it is parsed.
// A deeply nested value is cheap to send and costly everywhere after: every recursive walk of it
// (validation, JSON.stringify at commit, the web app's renderer) can overflow the stack. So it is
// refused at the door, by a loop that cannot itself overflow.
import { TetherError } from "../core/errors.js";

/** Arrays and objects may nest this deep in any body or socket message. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** True when arrays and objects in `text` nest deeper than `max`. Brackets inside strings do
 * not count. Invalid JSON is left for the parser to refuse. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Throws 400 too_deep when `text` nests deeper than MAX_JSON_DEPTH; `what` names it. */
export function assertShallow(text: string, what: string): void {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new TetherError(
      "too_deep",
      `${what} is nested too deeply: at most ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );
  }
}
