// A session created without a name is called after what it was asked to do ("Fix the flaky
// login test…"), not after its adapter ("claude_auto", the same for every session). Imports
// nothing, so the web app can show the same name as a hint before the session exists.

/** Longest name made from a prompt; the full prompt is the session's first message anyway. */
export const NAME_FROM_PROMPT_MAX = 60;

/** The prompt's first line that has words, without Markdown's leading marks, cut at a word
 * boundary to at most NAME_FROM_PROMPT_MAX characters; undefined when it has no words. */
export function nameFromPrompt(prompt: string | undefined): string | undefined {
  if (prompt === undefined) return undefined;
  for (const raw of prompt.split("\n", 50)) {
    const line = raw
      .replace(/^\s*(?:[#>*+-]+|\d+[.)])\s*/, "")
      .replace(/\s+/g, " ")
      .trim();
    if (!/[\p{L}\p{N}]/u.test(line)) continue;
    if (line.length <= NAME_FROM_PROMPT_MAX) return line;
    const cut = line.slice(0, NAME_FROM_PROMPT_MAX - 1);
    const atWord = cut.replace(/\s+\S*$/, "");
    return `${atWord.length >= NAME_FROM_PROMPT_MAX / 2 ? atWord : cut}…`;
  }
  return undefined;
}
