// A small Markdown subset for agent output, parsed into a tree that is rendered with Vue's h():
// text only ever becomes text nodes, never HTML, so nothing an agent writes can inject markup.
// Covers what agents write in chat: fenced code, headings, lists, quotes, tables, paragraphs, and
// inline code, bold, italic and links. Anything else stays as the text it was.

export type Inline =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "strong"; c: Inline[] }
  | { t: "em"; c: Inline[] }
  | { t: "link"; href: string; c: Inline[] }
  | { t: "br" };

export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "h"; level: number; c: Inline[] }
  | { t: "code"; lang: string; v: string }
  | { t: "quote"; c: Inline[] }
  | { t: "list"; ordered: boolean; items: Inline[][] }
  | { t: "table"; align: Align[]; head: Inline[][]; rows: Inline[][][] };

export type Align = "left" | "center" | "right" | null;

/** A table wider than this is not one (the lines stay text); a longer one ends here and the
 * lines after it read as text. So a table costs at most this much to lay out, whatever an agent
 * writes, and what is shown of it still fits a phone's reading. */
export const TABLE_MAX_COLUMNS = 20;
export const TABLE_MAX_ROWS = 500;

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;

/** How much of one bubble is read as Markdown; the rest is shown as plain text. Even linear
 * parsing and rendering of a 1 MB output into thousands of nodes would hold up the page, and
 * nobody reads that much formatted in a chat bubble. */
export const MARKDOWN_CAP = 64 * 1024;

/** `text` cut for rendering: up to MARKDOWN_CAP as Markdown (at a line end when one is near),
 * the rest as plain text. */
export function splitAtCap(text: string): { markdown: string; rest: string } {
  if (text.length <= MARKDOWN_CAP) return { markdown: text, rest: "" };
  const lineEnd = text.lastIndexOf("\n", MARKDOWN_CAP);
  const cut = lineEnd > MARKDOWN_CAP - 4096 ? lineEnd + 1 : MARKDOWN_CAP;
  return { markdown: text.slice(0, cut), rest: text.slice(cut) };
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i]!.trim() !== fence[1]) body.push(lines[i++]!);
      i++; // the closing fence (or the end of an unclosed block)
      blocks.push({ t: "code", lang: fence[2] ?? "", v: body.join("\n") });
      continue;
    }
    if (line.trim() === "") {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: "h", level: heading[1]!.length, c: parseInline(heading[2]!) });
      i++;
      continue;
    }
    const listKind = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (listKind) {
      const items: Inline[][] = [];
      for (let m = listKind.exec(lines[i] ?? ""); m; m = listKind.exec(lines[i] ?? "")) {
        items.push(parseInline(m[1]!));
        i++;
      }
      blocks.push({ t: "list", ordered: listKind === NUMBERED, items });
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      for (let m = QUOTE.exec(lines[i] ?? ""); m; m = QUOTE.exec(lines[i] ?? "")) {
        body.push(m[1]!);
        i++;
      }
      blocks.push({ t: "quote", c: parseInline(body.join("\n")) });
      continue;
    }
    const table = tableAt(lines, i);
    if (table) {
      blocks.push(table.block);
      i = table.end;
      continue;
    }
    const body: string[] = [];
    // A table may follow a paragraph's last line with no blank line between, as agents write.
    while (i < lines.length && !startsBlock(lines[i]!) && !isTableStart(lines, i)) {
      body.push(lines[i++]!);
    }
    blocks.push({ t: "p", c: parseInline(body.join("\n")) });
  }
  return blocks;
}

/** A header row, then a delimiter row (`| --- | :-: |`) with as many cells. */
function isTableStart(lines: readonly string[], i: number): boolean {
  const head = lines[i];
  const delimiter = lines[i + 1];
  if (head === undefined || delimiter === undefined) return false;
  if (!head.includes("|") || !delimiter.includes("-")) return false;
  const align = delimiterRow(delimiter);
  return align !== null && align.length === splitRow(head).length;
}

/** The table starting at line `i`, and the line after it; null if none starts there. */
function tableAt(lines: readonly string[], i: number): { block: Block; end: number } | null {
  if (!isTableStart(lines, i)) return null;
  const align = delimiterRow(lines[i + 1]!)!;
  const width = align.length;
  const cells = (line: string) => {
    const row = splitRow(line).slice(0, width);
    while (row.length < width) row.push("");
    return row.map((cell) => parseInline(cell));
  };
  const head = cells(lines[i]!);
  const rows: Inline[][][] = [];
  let end = i + 2;
  while (end < lines.length && rows.length < TABLE_MAX_ROWS) {
    const line = lines[end]!;
    if (!line.includes("|") || startsBlock(line)) break;
    rows.push(cells(line));
    end++;
  }
  return { block: { t: "table", align, head, rows }, end };
}

const DELIMITER_CELL = /^\s*(:?)-+(:?)\s*$/;

/** The columns' alignment if `line` is a delimiter row, else null. */
function delimiterRow(line: string): Align[] | null {
  const cells = splitRow(line);
  if (cells.length === 0 || cells.length > TABLE_MAX_COLUMNS) return null;
  const align: Align[] = [];
  for (const cell of cells) {
    const m = DELIMITER_CELL.exec(cell);
    if (!m) return null;
    align.push(m[1] && m[2] ? "center" : m[2] ? "right" : m[1] ? "left" : null);
  }
  return align;
}

/** Characters splitRow read since the last reset, for the tests' linearity check. */
export const tableWork = { steps: 0 };

/** A row's cells: split at each `|` not escaped, without the optional outer pipes; `\|` is a
 * pipe in a cell. One pass, and at most TABLE_MAX_COLUMNS + 1 cells kept. */
function splitRow(line: string): string[] {
  const text = line.trim();
  const cells: string[] = [];
  let cell = "";
  let start = text.startsWith("|") ? 1 : 0;
  for (let k = start; k < text.length; k++) {
    tableWork.steps++;
    const ch = text[k]!;
    if (ch === "\\" && text[k + 1] === "|") {
      cell += "|";
      k++;
    } else if (ch === "|") {
      cells.push(cell);
      cell = "";
      start = k + 1;
      if (cells.length > TABLE_MAX_COLUMNS) return cells;
    } else {
      cell += ch;
    }
  }
  // The last cell, unless the row ended with its closing pipe.
  if (start < text.length || cells.length === 0) cells.push(cell);
  return cells.map((c) => c.trim());
}

function startsBlock(line: string): boolean {
  return (
    line.trim() === "" ||
    FENCE.test(line) ||
    HEADING.test(line) ||
    BULLET.test(line) ||
    NUMBERED.test(line) ||
    QUOTE.test(line)
  );
}

/** Only links that open a page or a mail: no javascript:, data: or relative surprises. */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  return /^(https?:\/\/|mailto:)/i.test(trimmed) ? trimmed : null;
}

// Bounded, so a failed match costs at most this much however long the text.
const BARE_URL = /https?:\/\/[^\s<>()]{0,4096}[^\s<>().,;:!?'"]/y;
const LINK = /\[([^\]\n]{1,1000})\]\(([^)\s]{1,4096})\)/y;
const ESCAPABLE = /[\\`*_[\]()#>-]/;
/** Emphasis nests at most this deep; deeper openers stay text. Keeps closing a span O(1). */
const MAX_OPEN = 32;

/** Work done by parseInline since the last reset, for the tests' linearity check. */
export const inlineWork = { steps: 0 };

interface Opener {
  marker: string;
  /** Index in `out` of the text node holding the marker. */
  at: number;
}

/** One pass over `text`, no rescanning: a code span's close is looked up in an index of the
 * backtick runs (the next run of the same length), and emphasis uses a bounded stack of openers, each closed
 * by the next matching closer or left as text. So the work is linear in the text's length. */
export function parseInline(text: string): Inline[] {
  const runs = backtickRuns(text);
  const out: Inline[] = [];
  const open: Opener[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push({ t: "text", v: plain });
    plain = "";
  };
  // Where the next `]` and line break are, found once and reused until passed: a `[` is only
  // worth the link pattern when a `]` follows on its line, within the pattern's reach.
  let bracket = -1;
  let newline = -1;
  const linkMayStart = (at: number): boolean => {
    if (bracket !== Number.POSITIVE_INFINITY && bracket <= at) {
      bracket = text.indexOf("]", at);
      if (bracket < 0) bracket = Number.POSITIVE_INFINITY;
    }
    if (newline !== Number.POSITIVE_INFINITY && newline <= at) {
      newline = text.indexOf("\n", at);
      if (newline < 0) newline = Number.POSITIVE_INFINITY;
    }
    return bracket < newline && bracket - at <= 1001;
  };
  let i = 0;
  while (i < text.length) {
    inlineWork.steps++;
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length && ESCAPABLE.test(text[i + 1]!)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "\n") {
      flush();
      out.push({ t: "br" });
      // Emphasis does not run across a blank line.
      if (text[i + 1] === "\n") open.length = 0;
      i++;
      continue;
    }
    if (ch === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      // Closed by the next run of the same length, as in CommonMark.
      const end = firstAfter(runs.get(run), i);
      if (end !== undefined) {
        flush();
        out.push({ t: "code", v: text.slice(i + run, end) });
        i = end + run;
      } else {
        plain += text.slice(i, i + run);
        i += run;
      }
      continue;
    }
    if (ch === "*" || ch === "_") {
      const marker = text[i + 1] === ch ? ch + ch : ch;
      const before = text[i - 1] ?? " ";
      const after = text[i + marker.length] ?? " ";
      const canClose = !/\s/.test(before);
      // `snake_case_names` are not emphasis: an underscore must not sit inside a word.
      const canOpen = !/\s/.test(after) && !(ch === "_" && /\w/.test(before));
      i += marker.length;
      if (canClose && open.length > 0) {
        flush();
        if (closeSpan(out, open, marker)) continue;
      }
      if (canOpen && open.length < MAX_OPEN) {
        flush();
        out.push({ t: "text", v: marker });
        open.push({ marker, at: out.length - 1 });
      } else {
        plain += marker;
      }
      continue;
    }
    if (ch === "[" && linkMayStart(i)) {
      LINK.lastIndex = i;
      const link = LINK.exec(text);
      const href = link ? safeHref(link[2]!) : null;
      if (link && href) {
        flush();
        out.push({ t: "link", href, c: parseInline(link[1]!) });
        i += link[0].length;
        continue;
      }
    }
    if (ch === "h" && !/\w/.test(text[i - 1] ?? "")) {
      BARE_URL.lastIndex = i;
      const url = BARE_URL.exec(text);
      if (url) {
        flush();
        out.push({ t: "link", href: url[0], c: [{ t: "text", v: url[0] }] });
        i += url[0].length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  flush();
  return mergeText(out);
}

/** Closes the innermost open span of `marker`, if any: its nodes move into a strong or em node.
 * Openers above it stay as text. Each node moves at most MAX_OPEN times, so this stays linear. */
function closeSpan(out: Inline[], open: Opener[], marker: string): boolean {
  let k = open.length - 1;
  while (k >= 0 && open[k]!.marker !== marker) k--;
  if (k < 0) return false;
  const { at } = open[k]!;
  // Empty emphasis (`**` then `**`) is not emphasis.
  if (at === out.length - 1) return false;
  open.length = k;
  const inner = out.splice(at + 1);
  inlineWork.steps += inner.length;
  out.pop(); // the opener's text node
  const c = mergeText(inner);
  out.push(marker.length === 2 ? { t: "strong", c } : { t: "em", c });
  return true;
}

/** Adjacent text nodes as one. */
function mergeText(nodes: Inline[]): Inline[] {
  const merged: Inline[] = [];
  for (const node of nodes) {
    inlineWork.steps++;
    const last = merged[merged.length - 1];
    if (node.t === "text" && last?.t === "text") {
      merged[merged.length - 1] = { t: "text", v: last.v + node.v };
    } else {
      merged.push(node);
    }
  }
  return merged;
}

/** The backtick runs of `text`, by length: where each starts, in order. */
function backtickRuns(text: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "`") continue;
    const at = i;
    while (text[i + 1] === "`") i++;
    const length = i - at + 1;
    const list = runs.get(length);
    if (list) list.push(at);
    else runs.set(length, [at]);
  }
  return runs;
}

/** The first of `starts` (ascending) after `from`, by binary search: O(log n), no rescanning. */
function firstAfter(starts: readonly number[] | undefined, from: number): number | undefined {
  if (!starts) return undefined;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    inlineWork.steps++;
    const mid = (lo + hi) >> 1;
    if (starts[mid]! > from) hi = mid;
    else lo = mid + 1;
  }
  return starts[lo];
}
