// A line diff for approval cards: what an edit removes and adds, as a unified diff a phone can
// show. Bounded whatever the agent sends: each side is compared up to MAX_DIFF_LINES lines, and
// the changed middle (after the common head and tail are set aside) by a longest-common-
// subsequence table of at most MAX_DIFF_CELLS cells; a bigger middle is shown as all removed,
// then all added, which is still a true diff, only not the smallest.

import {
  type DiffLine,
  diffLines,
  MAX_DIFF_CELLS,
  splitLines,
} from "../../../src/shared/line-diff.js";

export { type DiffLine, diffLines, MAX_DIFF_CELLS, splitLines };

/** What a card shows: lines, a hunk header, or a run of unchanged lines left out. */
export type DiffRow = DiffLine | { kind: "hunk"; text: string } | { kind: "skip"; count: number };

/** Lines of each side compared, and rows of a given unified diff read; the rest is counted. */
export const MAX_DIFF_LINES = 2000;
/** Unchanged lines kept around each change. */
export const CONTEXT_LINES = 3;

export interface Diff {
  rows: DiffRow[];
  added: number;
  removed: number;
  /** Lines past MAX_DIFF_LINES that were not compared or not shown. */
  omitted: number;
}

/** The diff from `before` to `after`, as unified rows with CONTEXT_LINES of context. */
export function diffTexts(before: string, after: string): Diff {
  const a = splitLines(before);
  const b = splitLines(after);
  const omitted = Math.max(0, a.length - MAX_DIFF_LINES) + Math.max(0, b.length - MAX_DIFF_LINES);
  const lines = diffLines(a.slice(0, MAX_DIFF_LINES), b.slice(0, MAX_DIFF_LINES));
  return { ...counted(withContext(lines)), omitted };
}

/** Every line of `text` as added (a new file) or removed (a deleted one). */
export function wholeText(text: string, kind: "add" | "del"): Diff {
  const lines = splitLines(text);
  const rows = lines.slice(0, MAX_DIFF_LINES).map((line): DiffRow => ({ kind, text: line }));
  return { ...counted(rows), omitted: Math.max(0, lines.length - MAX_DIFF_LINES) };
}

/** The rows of a unified diff as given (Codex sends one per changed file): `@@` headers, and
 * lines by their first character. File headers (`---`, `+++`, `diff`, `index`) are left out:
 * the card names the file itself. */
export function readUnified(diff: string): Diff {
  const lines = splitLines(diff);
  const rows: DiffRow[] = [];
  for (const line of lines.slice(0, MAX_DIFF_LINES)) {
    if (/^(diff |index |--- |\+\+\+ |\\ )/.test(line)) continue;
    if (line.startsWith("@@")) rows.push({ kind: "hunk", text: line });
    else if (line.startsWith("+")) rows.push({ kind: "add", text: line.slice(1) });
    else if (line.startsWith("-")) rows.push({ kind: "del", text: line.slice(1) });
    else rows.push({ kind: "ctx", text: line.startsWith(" ") ? line.slice(1) : line });
  }
  return { ...counted(rows), omitted: Math.max(0, lines.length - MAX_DIFF_LINES) };
}

/** Unchanged runs cut to CONTEXT_LINES around each change; what is cut becomes a skip row. */
export function withContext(lines: readonly DiffLine[]): DiffRow[] {
  const changed = lines.map((l) => l.kind !== "ctx");
  const near = new Array<boolean>(lines.length).fill(false);
  changed.forEach((isChange, i) => {
    if (!isChange) return;
    const from = Math.max(0, i - CONTEXT_LINES);
    const to = Math.min(lines.length - 1, i + CONTEXT_LINES);
    for (let k = from; k <= to; k++) near[k] = true;
  });
  const rows: DiffRow[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (near[i]) {
      if (skipped > 0) rows.push({ kind: "skip", count: skipped });
      skipped = 0;
      rows.push(line);
    } else {
      skipped++;
    }
  });
  if (skipped > 0 && rows.length > 0) rows.push({ kind: "skip", count: skipped });
  return rows;
}

function counted(rows: DiffRow[]): Omit<Diff, "omitted"> {
  let added = 0;
  let removed = 0;
  for (const row of rows) {
    if (row.kind === "add") added++;
    else if (row.kind === "del") removed++;
  }
  return { rows, added, removed };
}
