// A short line diff for an approval message: what an edit removes and adds, in the `-`/`+` lines
// of a unified diff, bounded for a phone. The web app has a fuller one (web/src/approvals/), but
// the daemon does not build web code; this one only has to be true and short. The common head and
// tail are set aside, and a small changed middle is compared line by line (longest common
// subsequence); a big one is shown as all removed, then all added, which is still true.

export type DiffLine = { kind: "add" | "del" | "ctx"; text: string };

/** Cells of the comparison table: 200 × 200 lines changed at once is already far past a phone. */
const MAX_CELLS = 40_000;
/** Unchanged lines kept around each change. */
const CONTEXT = 2;

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const ctx = (lines: string[]): DiffLine[] => lines.map((text) => ({ kind: "ctx", text }));
  return [
    ...ctx(a.slice(0, head)),
    ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...ctx(a.slice(a.length - tail)),
  ];
}

function middle(a: string[], b: string[]): DiffLine[] {
  if (a.length * b.length > MAX_CELLS) {
    return [
      ...a.map((text): DiffLine => ({ kind: "del", text })),
      ...b.map((text): DiffLine => ({ kind: "add", text })),
    ];
  }
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ kind: "ctx", text: a[i]! });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ kind: "del", text: a[i++]! });
    } else {
      out.push({ kind: "add", text: b[j++]! });
    }
  }
  return out;
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
