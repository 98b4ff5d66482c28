// An address written out in an agent's text, found the same way for every chat: where it starts
// and where it ends, without the punctuation that ends the sentence around it.

/** The address `pattern` (a sticky regex, the characters the chat allows in one) finds at `at`,
 * without trailing punctuation and unbalanced closing parentheses; undefined when none. */
export function bareUrl(src: string, at: number, pattern: RegExp): string | undefined {
  pattern.lastIndex = at;
  let url = pattern.exec(src)?.[0];
  if (!url) return undefined;
  url = url.replace(/[.,;:!?'*_~]+$/, "");
  while (url.endsWith(")") && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
  return /^https?:\/\/[^/?#]/.test(url) ? url : undefined;
}

function count(text: string, c: string): number {
  return text.split(c).length - 1;
}
