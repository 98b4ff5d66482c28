// A small Markdown subset for agent output, parsed into a tree that is rendered with Vue's h():
// text only ever becomes text nodes, never HTML, so nothing an agent writes can inject markup.
// Covers what agents write in chat: fenced code, headings, lists, quotes, paragraphs, and inline
// code, bold, italic and links. Anything else stays as the text it was.

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
  | { t: "list"; ordered: boolean; items: Inline[][] };

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;

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
    const body: string[] = [];
    while (i < lines.length && !startsBlock(lines[i]!)) body.push(lines[i++]!);
    blocks.push({ t: "p", c: parseInline(body.join("\n")) });
  }
  return blocks;
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

const BARE_URL = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push({ t: "text", v: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const rest = text.slice(i);
    if (ch === "\\" && i + 1 < text.length && /[\\`*_[\]()#>-]/.test(text[i + 1]!)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "\n") {
      flush();
      out.push({ t: "br" });
      i++;
      continue;
    }
    if (ch === "`") {
      const run = /^`+/.exec(rest)![0];
      const end = text.indexOf(run, i + run.length);
      if (end > i) {
        flush();
        out.push({ t: "code", v: text.slice(i + run.length, end) });
        i = end + run.length;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      const double = text[i + 1] === ch;
      const marker = double ? ch + ch : ch;
      const start = i + marker.length;
      const end = closing(text, marker, start);
      // `snake_case_names` are not emphasis: an underscore must not sit inside a word.
      const wordy = ch === "_" && /\w/.test(text[i - 1] ?? "");
      if (end > start && !wordy && !/\s/.test(text[start]!)) {
        flush();
        const inner = parseInline(text.slice(start, end));
        out.push(double ? { t: "strong", c: inner } : { t: "em", c: inner });
        i = end + marker.length;
        continue;
      }
    }
    if (ch === "[") {
      const link = /^\[([^\]\n]+)\]\(([^)\s]+)\)/.exec(rest);
      const href = link ? safeHref(link[2]!) : null;
      if (link && href) {
        flush();
        out.push({ t: "link", href, c: parseInline(link[1]!) });
        i += link[0].length;
        continue;
      }
    }
    if (ch === "h" && !/\w/.test(text[i - 1] ?? "")) {
      const url = BARE_URL.exec(rest);
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
  return out;
}

/** Where `marker` closes emphasis opened before `from`: not after a space, not inside code. */
function closing(text: string, marker: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === "`") {
      const end = text.indexOf("`", j + 1);
      if (end < 0) return -1;
      j = end;
      continue;
    }
    if (text[j] === "\n" && text[j + 1] === "\n") return -1;
    if (text.startsWith(marker, j) && j > from && !/\s/.test(text[j - 1]!)) {
      // `**` must not be read as the close of a single `*`.
      if (marker.length === 1 && text[j + 1] === marker) {
        j++;
        continue;
      }
      return j;
    }
  }
  return -1;
}
