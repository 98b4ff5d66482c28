// Telegram's `parse_mode: "HTML"`, as the Bot API parses it (tdlib's parse_html): the tags it
// accepts, the entities it decodes, and the "can't parse entities" errors it gives for the rest.
// Offsets and lengths are UTF-16 code units, as in the real MessageEntity.

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

const TAGS: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface Open {
  tag: string;
  type: string;
  offset: number;
  attrs: Record<string, string>;
  language?: string;
}

export type ParsedHtml = { text: string; entities: MessageEntity[] } | { error: string };

function attributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const m of source.matchAll(re)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/g, (_, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) {
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    }
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return NAMED[name.toLowerCase()] ?? "";
  });
}

/** Parses Telegram HTML into plain text and entities, or says why the real API refuses it. */
export function parseHtml(source: string): ParsedHtml {
  let text = "";
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const at = (i: number) => Buffer.byteLength(source.slice(0, i));
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "&") {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/i.exec(source.slice(i, i + 12));
      if (m) {
        text += decodeEntities(m[0]);
        i += m[0].length;
      } else {
        // tdlib keeps a lone "&" as it is.
        text += c;
        i++;
      }
      continue;
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const close = source.indexOf(">", i);
    if (close < 0) {
      return { error: `Unclosed start tag at byte offset ${at(i)}` };
    }
    const inner = source.slice(i + 1, close);
    if (inner.startsWith("/")) {
      const name = inner.slice(1).trim().toLowerCase();
      const top = stack.pop();
      if (!top) return { error: `Unexpected end tag at byte offset ${at(i)}` };
      if (name !== top.tag) {
        return {
          error: `Unmatched end tag at byte offset ${at(i)}, expected "</${top.tag}>", found "</${name}>"`,
        };
      }
      const length = text.length - top.offset;
      const parent = stack[stack.length - 1];
      if (top.tag === "code" && parent?.tag === "pre" && top.language !== undefined) {
        parent.language = top.language;
      } else if (length > 0 && !(top.tag === "a" && !top.attrs.href)) {
        const entity: MessageEntity = { type: top.type, offset: top.offset, length };
        if (top.tag === "a") entity.url = top.attrs.href!;
        if (top.tag === "pre" && top.language) entity.language = top.language;
        if (top.tag === "tg-emoji") entity.custom_emoji_id = top.attrs["emoji-id"]!;
        if (top.tag === "blockquote" && "expandable" in top.attrs) {
          entity.type = "expandable_blockquote";
        }
        entities.push(entity);
      }
      i = close + 1;
      continue;
    }
    const m = /^([a-zA-Z][a-zA-Z-]*)(\s[\s\S]*)?$/.exec(inner);
    const name = (m?.[1] ?? "").toLowerCase();
    const type = TAGS[name];
    if (!m || !type) {
      return { error: `Unsupported start tag "${name}" at byte offset ${at(i)}` };
    }
    const attrs = attributes(m[2] ?? "");
    if (name === "span" && attrs.class !== "tg-spoiler") {
      return { error: `Tag "span" must have class "tg-spoiler" at byte offset ${at(i)}` };
    }
    if (name === "tg-emoji" && !/^\d+$/.test(attrs["emoji-id"] ?? "")) {
      return { error: `Expected custom emoji identifier at byte offset ${at(i)}` };
    }
    const open: Open = { tag: name, type, offset: text.length, attrs };
    if (name === "code" && attrs.class?.startsWith("language-")) {
      open.language = attrs.class.slice("language-".length);
    }
    stack.push(open);
    i = close + 1;
  }
  const unclosed = stack.pop();
  if (unclosed) {
    return { error: `Can't find end tag corresponding to start tag "${unclosed.tag}"` };
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}
