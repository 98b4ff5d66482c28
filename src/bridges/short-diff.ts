// A short diff for a chat message: what an edit removes and adds, as the `-`/`+` lines of a
// unified diff, bounded for a phone. Shared by the bridges, each of which puts the lines in its
// own kind of code block (the line diff itself is shared with the web app).
import { type DiffLine, diffLines, splitLines } from "../shared/line-diff.js";

export type { DiffLine };

/** Lines of each side compared: a phone shows 30 of them anyway. */
const MAX_LINES = 400;
/** Unchanged lines kept around each change. */
const CONTEXT = 2;

export function diffTexts(before: string, after: string): DiffLine[] {
  return diffLines(splitLines(before).slice(0, MAX_LINES), splitLines(after).slice(0, MAX_LINES));
}

const SIGN = { add: "+", del: "-", ctx: " " } as const;

/**
 * The changes with a little context, as unified-diff lines (`-`, `+`, ` `, and `@@` where
 * unchanged lines are left out), at most `maxLines` of them; `omitted` counts the changed lines
 * that did not fit.
 */
export function unifiedLines(
  lines: readonly DiffLine[],
  maxLines: number,
): { lines: string[]; omitted: number } {
  const keep = lines.map(() => false);
  lines.forEach((line, i) => {
    if (line.kind === "ctx") return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(lines.length - 1, i + CONTEXT); k++) {
      keep[k] = true;
    }
  });
  const out: string[] = [];
  let omitted = 0;
  let skipping = false;
  let full = false;
  lines.forEach((line, i) => {
    if (!keep[i]) {
      skipping = true;
      return;
    }
    const gap = skipping && out.length > 0;
    skipping = false;
    if (full || out.length + (gap ? 2 : 1) > maxLines) {
      full = true;
      if (line.kind !== "ctx") omitted++;
      return;
    }
    if (gap) out.push("@@");
    out.push(`${SIGN[line.kind]}${line.text}`);
  });
  return { lines: out, omitted };
}

/** The `-`/`+`/` `/`@@` lines of a unified diff as Codex sends it, without its file headers. */
export function unifiedBody(diff: string): string[] {
  return splitLines(diff).filter((line) => !/^(---|\+\+\+|diff |index )/.test(line));
}
