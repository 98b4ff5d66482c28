// Whether a message is one Discord takes and shows as meant: content within 2,000 units and not
// blank, valid UTF-16, code fences on lines of their own and closed, no mention that would
// render (mentions are neutralised and allowed_mentions parses none), and components within
// Discord's limits (5 rows of 5 buttons, labels ≤ 80, custom_ids ≤ 100 and unique). The
// renderers' tests hold every message to it; the bridge may too, before a send.
import { BUTTON_STYLE, type DiscordMessage, FLAGS, LIMITS } from "./render-message.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const STYLES = new Set<number>(Object.values(BUTTON_STYLE));
const KNOWN_FLAGS = FLAGS.suppressEmbeds | FLAGS.ephemeral;
/** A user, role, channel or command mention, or a mass one, unescaped. */
const MENTION = /(?<!\\)<(?:@[!&]?\d|#\d|\/[\w -]+:\d)|@(?:everyone|here)/;

/** What is wrong with `message`, each as `where: what`; empty when Discord takes it as it is. */
export function checkMessage(message: DiscordMessage): string[] {
  const problems: string[] = [];
  const say = (where: string, what: string) => {
    problems.push(`${where}: ${what}`);
  };
  checkContent(message.content, say);
  const parse = message.allowed_mentions?.parse;
  if (!Array.isArray(parse) || parse.length > 0) {
    say("allowed_mentions", "must be {parse: []}, so no text pings anyone");
  }
  if (message.flags !== undefined && (message.flags & ~KNOWN_FLAGS) !== 0) {
    say("flags", `unknown flags ${message.flags}`);
  }
  const rows = message.components ?? [];
  if (rows.length > LIMITS.rows) say("components", `${rows.length} rows, more than ${LIMITS.rows}`);
  const ids = new Set<string>();
  for (const [r, row] of rows.entries()) {
    const where = `components[${r}]`;
    if (row.type !== 1) say(where, "not an action row");
    if (row.components.length === 0 || row.components.length > LIMITS.buttonsPerRow) {
      say(where, `${row.components.length} buttons, not 1 to ${LIMITS.buttonsPerRow}`);
    }
    for (const [b, button] of row.components.entries()) {
      const at = `${where}.components[${b}]`;
      if (button.type !== 2) say(at, "not a button");
      if (!STYLES.has(button.style)) say(`${at}.style`, `unknown style ${button.style}`);
      checkText(`${at}.label`, button.label, LIMITS.buttonLabel, say);
      checkText(`${at}.custom_id`, button.custom_id, LIMITS.customId, say);
      if (ids.has(button.custom_id)) say(`${at}.custom_id`, `${button.custom_id} used twice`);
      ids.add(button.custom_id);
      if (button.emoji && !button.emoji.name) say(`${at}.emoji`, "an emoji needs a name");
    }
  }
  return problems;
}

type Say = (where: string, what: string) => void;

function checkText(where: string, text: string, max: number, say: Say): void {
  if (typeof text !== "string" || !text.trim()) say(where, "empty");
  else if (text.length > max) say(where, `${text.length} characters, more than ${max}`);
  if (LONE_SURROGATE.test(text)) say(where, "half a surrogate pair");
}

/** The content: its length, its code fences, and no mention outside code. */
function checkContent(content: string, say: Say): void {
  checkText("content", content, LIMITS.content, say);
  let fenced = false;
  for (const [n, line] of content.split("\n").entries()) {
    const fence = /^```[A-Za-z0-9_+#.-]*$/.test(line);
    if (fence && (!fenced || line === "```")) {
      fenced = !fenced;
      continue;
    }
    const triple = line.indexOf("```");
    if (triple >= 0) {
      say("content", `three backticks at line ${n + 1}, outside a fence line`);
      return;
    }
    if (!fenced && MENTION.test(stripCode(line))) {
      say("content", `a mention at line ${n + 1}`);
      return;
    }
  }
  if (fenced) say("content", "a code block left open");
}

/** A line without its inline code spans, where a mention is only text. */
function stripCode(line: string): string {
  return line.replace(/(?<!\\)`[^`]*`/g, "");
}
