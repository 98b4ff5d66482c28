// A line diff: every line of two texts in order, kept, removed or added. Shared by the web app's
// approval cards and the chat bridges' approval messages, which each show it their own way.
// Bounded whatever it is given: the common head and tail are set aside, and the changed middle is
// compared by a longest-common-subsequence table of at most MAX_DIFF_CELLS cells; a bigger
// middle is shown as all removed, then all added, which is still a true diff, only not the
// smallest.

export type DiffLine = { kind: "add" | "del" | "ctx"; text: string };

/** 2 bytes each: a 1000 × 1000 changed middle costs 2 MB for the moment it is compared. */
export const MAX_DIFF_CELLS = 1_000_000;

/** The lines of a text; a final line break ends the last line rather than starting another. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Every line of `a` and `b` in order: kept (ctx), removed (del) or added (add). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
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
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: "ctx", text }));
  out.push(...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)));
  for (const text of a.slice(a.length - tail)) out.push({ kind: "ctx", text });
  return out;
}

/** The changed middle: by LCS when small enough, else removed then added. */
function middle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_DIFF_CELLS) {
    return [
      ...a.map((text): DiffLine => ({ kind: "del", text })),
      ...b.map((text): DiffLine => ({ kind: "add", text })),
    ];
  }
  // lcs[i * w + j]: the longest common subsequence of a[i..] and b[j..]. At most the shorter
  // side, at most √MAX_DIFF_CELLS lines here, so it fits 16 bits.
  const w = m + 1;
  const lcs = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * w + j + 1]! + 1
          : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: "ctx", text: a[i++]! });
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      out.push({ kind: "del", text: a[i++]! });
    } else {
      out.push({ kind: "add", text: b[j++]! });
    }
  }
  while (i < n) out.push({ kind: "del", text: a[i++]! });
  while (j < m) out.push({ kind: "add", text: b[j++]! });
  return out;
}
