// Markdown as agents write it, told in the few tags Telegram's HTML knows. The blocks (code
// fences, headings, quotes, bullets; Telegram has no tables or rules, so their lines read as
// text) and the inline marks are found by the bridges' shared scanner; this says how each is
// written. A mark without its partner stays as it was typed; everything
// else is escaped, so the result always parses.
import { type CommonBlock, markdownBlocks } from "../markdown-blocks.js";
import { type InlineSyntax, inlineMarkdown, type Mark } from "../markdown-inline.js";
import { escapeHtml } from "./render-html.js";

const SAFE_LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** Markdown as agents write it → Telegram HTML (parse_mode HTML). A fence left open runs to the
 * end, as in CommonMark (and as a cut head of a long output needs). */
export function markdownToHtml(markdown: string): string {
  return markdownBlocks(markdown).map(blockHtml).join("\n");
}

function blockHtml(block: CommonBlock): string {
  switch (block.kind) {
    case "code":
      return codeBlock(block.code, block.language);
    case "heading":
      return block.text ? `<b>${inlineMarkdown(block.text, HTML, { bold: true })}</b>` : "";
    case "quote": {
      const body = block.lines.map((line) => inlineMarkdown(line, HTML)).join("\n");
      return body.trim() ? `<blockquote>${body}</blockquote>` : body;
    }
    case "bullet":
      return `${block.indent}• ${inlineMarkdown(block.text, HTML)}`;
    case "line":
      return inlineMarkdown(block.text, HTML);
  }
}

/** A code block, with its language when it is a plain name (it goes into an attribute). */
export function codeBlock(code: string, language = ""): string {
  return SAFE_LANGUAGE.test(language)
    ? `<pre><code class="language-${language}">${escapeHtml(code)}</code></pre>`
    : `<pre>${escapeHtml(code)}</pre>`;
}

const TAGS: Record<Mark, string> = { bold: "b", italic: "i", strike: "s" };

/** Inline marks as Telegram's tags. Tags already open around a span are not opened again (no
 * <b> inside <b>); a link's label keeps its marks. */
const HTML: InlineSyntax = {
  text: escapeHtml,
  code: (code) => `<code>${escapeHtml(code)}</code>`,
  emphasis: (body, open) =>
    open.reduceRight((acc, mark) => `<${TAGS[mark]}>${acc}</${TAGS[mark]}>`, body),
  linkUrl: /^https?:\/\/[^\s<>"]+$/i,
  link: (url, label) => `<a href="${escapeHtml(url)}">${label ?? escapeHtml(url)}</a>`,
};
