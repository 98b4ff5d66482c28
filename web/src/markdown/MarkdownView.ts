// Renders parsed Markdown as Vue nodes. Every string from the agent becomes a text node.
import { defineComponent, h, type VNode } from "vue";
import { type Block, type Inline, parseMarkdown, splitAtCap } from "./parse.js";

function inline(nodes: Inline[]): (VNode | string)[] {
  return nodes.map(inlineNode);
}

function inlineNode(n: Inline): VNode | string {
  switch (n.t) {
    case "text":
      return n.v;
    case "code":
      return h("code", n.v);
    case "strong":
      return h("strong", inline(n.c));
    case "em":
      return h("em", inline(n.c));
    case "link":
      return h("a", { href: n.href, target: "_blank", rel: "noopener noreferrer" }, inline(n.c));
    case "br":
      return h("br");
  }
}

function block(b: Block): VNode {
  switch (b.t) {
    case "p":
      return h("p", inline(b.c));
    case "h":
      // Agent headings sit inside a chat bubble: shown smaller than the page's own headings.
      return h(`h${Math.min(b.level + 2, 6)}`, inline(b.c));
    case "code":
      return h("pre", { class: "code-block scroll-x", "data-lang": b.lang || undefined }, [
        h("code", b.v),
      ]);
    case "quote":
      return h("blockquote", inline(b.c));
    case "list":
      return h(
        b.ordered ? "ol" : "ul",
        b.items.map((item) => h("li", inline(item))),
      );
    case "table":
      return table(b);
  }
}

/** A table in a box of its own that scrolls sideways, so a wide one never widens the page. */
function table(b: Extract<Block, { t: "table" }>): VNode {
  const cell = (tag: "th" | "td", c: Inline[], i: number) =>
    h(tag, { class: b.align[i] ? `align-${b.align[i]}` : undefined }, inline(c));
  return h("div", { class: "table-wrap scroll-x" }, [
    h("table", [
      h("thead", [
        h(
          "tr",
          b.head.map((c, i) => cell("th", c, i)),
        ),
      ]),
      h(
        "tbody",
        b.rows.map((row) =>
          h(
            "tr",
            row.map((c, i) => cell("td", c, i)),
          ),
        ),
      ),
    ]),
  ]);
}

export default defineComponent({
  name: "MarkdownView",
  props: { text: { type: String, required: true } },
  setup(props) {
    return () => {
      const { markdown, rest } = splitAtCap(props.text);
      const nodes = parseMarkdown(markdown).map(block);
      // Past the cap: the text as it is, one text node.
      if (rest) nodes.push(h("pre", { class: "code-block markdown-rest" }, rest));
      return h("div", { class: "markdown" }, nodes);
    };
  },
});
