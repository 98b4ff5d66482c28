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
      return h("pre", { class: "code-block", "data-lang": b.lang || undefined }, [h("code", b.v)]);
    case "quote":
      return h("blockquote", inline(b.c));
    case "list":
      return h(
        b.ordered ? "ol" : "ul",
        b.items.map((item) => h("li", inline(item))),
      );
  }
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
