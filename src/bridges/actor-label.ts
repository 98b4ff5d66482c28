// Who did something, said for a person: the labels Tether records in decided_by, sender and by
// (`web:phone`, `telegram:1001`, `slack:U024BE7LH`, `cli:alice@laptop`), as plain text. Each
// bridge escapes it for its own markup.

/** What each platform a bridge label may name is called, for a person. */
const PLATFORMS: Record<string, string> = {
  telegram: "Telegram",
  slack: "Slack",
  discord: "Discord",
};

/**
 * A decided_by / sender / by label said for a person, as plain text (escape it for the markup):
 * `web:phone` → "phone (on web)", `telegram:1001` → "@ada (on Telegram)" when `names` knows the
 * user, else "Telegram user 1001"; `cli:alice@laptop` → "alice@laptop (CLI)". A label of a form
 * not known here is given as it is.
 */
export function describeActor(
  label: string,
  names?: (platform: string, userId: string) => string | undefined,
): string {
  const colon = label.indexOf(":");
  const kind = colon < 0 ? label : label.slice(0, colon);
  const name = colon < 0 ? undefined : label.slice(colon + 1);
  if (name === "") return label;
  switch (kind) {
    case "web":
      return name === undefined ? "the web app" : `${name} (on web)`;
    case "cli":
      return name === undefined ? "the CLI" : `${name} (CLI)`;
    case "mcp":
      return name === undefined ? "MCP" : `${name} (MCP)`;
    case "api":
      return name === undefined ? "the API" : `the API (${name})`;
    case "rule":
      return "a session rule";
    case "ntfy":
      return name === undefined ? "an ntfy notification" : label;
    case "local":
      return name === undefined ? "this machine" : label;
  }
  const platform = PLATFORMS[kind];
  if (platform && name !== undefined) {
    const known = names?.(kind, name)?.trim();
    return known ? `${known} (on ${platform})` : `${platform} user ${name}`;
  }
  return label;
}
