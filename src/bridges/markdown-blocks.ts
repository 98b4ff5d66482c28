// Markdown's blocks as agents write them, found the same way for every chat: code fences,
// headings, quotes, bullets, and (for a chat that has a way to show them) tables and rules; each
// chat writes the blocks in its own syntax, and their text through markdown-inline.ts.

/** A block every chat shows; the texts in it are raw Markdown, one line each. */
export type CommonBlock =
  | { kind: "code"; code: string; language: string }
  | { kind: "heading"; text: string }
  | { kind: "quote"; lines: string[] }
  | { kind: "bullet"; indent: string; text: string }
  | { kind: "line"; text: string };

/** Any block, with those only some chats have a way to show. */
export type Block = CommonBlock | { kind: "table"; rows: string[] } | { kind: "rule" };

/** The blocks a chat has a way to show; without them, their lines read as the text they are. */
export interface BlockKinds {
  tables?: boolean;
  rules?: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^(\s*)[-*+][ \t]+(.*)$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;

/** A Markdown text's blocks, in order. A fence left open runs to the end, as in CommonMark (and
 * as a cut head of a long output needs); consecutive quoted lines are one quote. */
export function markdownBlocks(markdown: string): CommonBlock[];
export function markdownBlocks(markdown: string, kinds: BlockKinds): Block[];
export function markdownBlocks(markdown: string, kinds: BlockKinds = {}): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      for (i++; i < lines.length && !isFenceEnd(lines[i]!, marker); i++) body.push(lines[i]!);
      out.push({ kind: "code", code: body.join("\n"), language: fence[2] ?? "" });
      continue;
    }
    if (kinds.tables && TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? "")) {
      const rows: string[] = [];
      for (; i < lines.length && TABLE_ROW.test(lines[i]!); i++) rows.push(lines[i]!);
      i--;
      out.push({ kind: "table", rows });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push({ kind: "heading", text: heading[1]! });
      continue;
    }
    if (kinds.rules && RULE.test(line)) {
      out.push({ kind: "rule" });
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++)
        quoted.push(QUOTE.exec(lines[i]!)![1]!);
      i--;
      out.push({ kind: "quote", lines: quoted });
      continue;
    }
    const bullet = BULLET.exec(line);
    if (bullet) {
      out.push({ kind: "bullet", indent: bullet[1]!, text: bullet[2]! });
      continue;
    }
    out.push({ kind: "line", text: line });
  }
  return out;
}

function isFenceEnd(line: string, marker: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return m !== null && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}
