// What a person wrote in Slack, as the plain text an agent reads. Slack sends message text with
// its markup: `&`, `<` and `>` escaped, links as `<https://x|label>`, mentions as `<@U123>` and
// `<#C123|name>`, `<!here>`. Only those are undone; everything else is the person's own text.
export function plainFromSlack(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_, inner: string) => {
      const [target = "", label] = inner.split("|", 2);
      if (target.startsWith("@")) return label ? `@${label}` : target;
      if (target.startsWith("#")) return label ? `#${label}` : target;
      if (target.startsWith("!")) return `@${label ?? target.slice(1).split("^")[0]}`;
      return label && label !== target.replace(/^mailto:/, "")
        ? `${label} (${target})`
        : target.replace(/^mailto:/, "");
    })
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
