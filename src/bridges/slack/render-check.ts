// Whether a message is one Slack takes and shows as meant: within Block Kit's limits (LIMITS),
// every text non-empty and valid UTF-16, and every mrkdwn text well formed as the renderers make
// it (only Slack's three entities, `<` only opening a link, code fences balanced and on lines of
// their own). The renderers' tests hold every message to it; the bridge may too, before a send.
import {
  type ButtonElement,
  type ConfirmDialog,
  LIMITS,
  type SlackBlock,
  type SlackMessage,
  type TextObject,
} from "./render-blocks.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with `message`, each as `where: what`; empty when Slack takes it as it is. */
export function checkMessage(message: SlackMessage): string[] {
  const problems: string[] = [];
  const say = (where: string, what: string) => {
    problems.push(`${where}: ${what}`);
  };
  checkMrkdwn("text", message.text, LIMITS.messageText, say);
  if (message.blocks.length > LIMITS.blocks) {
    say("blocks", `${message.blocks.length} blocks, more than ${LIMITS.blocks}`);
  }
  const ids = { block: new Set<string>(), action: new Set<string>() };
  for (const [i, block] of message.blocks.entries()) {
    checkBlock(`blocks[${i}]`, block, ids, say);
  }
  return problems;
}

type Say = (where: string, what: string) => void;
interface Ids {
  block: Set<string>;
  action: Set<string>;
}

function checkBlock(where: string, block: SlackBlock, ids: Ids, say: Say): void {
  if (block.block_id !== undefined) {
    checkId(`${where}.block_id`, block.block_id, LIMITS.blockId, ids.block, say);
  }
  switch (block.type) {
    case "section":
      if (!block.text && !block.fields) say(where, "a section needs text or fields");
      if (block.text) checkText(`${where}.text`, block.text, LIMITS.sectionText, say);
      if (block.fields) {
        if (block.fields.length === 0 || block.fields.length > LIMITS.sectionFields) {
          say(`${where}.fields`, `${block.fields.length} fields, not 1 to ${LIMITS.sectionFields}`);
        }
        for (const [i, field] of block.fields.entries()) {
          checkText(`${where}.fields[${i}]`, field, LIMITS.sectionFieldText, say);
        }
      }
      return;
    case "header":
      checkPlain(`${where}.text`, block.text, LIMITS.headerText, say);
      return;
    case "context":
      if (block.elements.length === 0 || block.elements.length > LIMITS.contextElements) {
        say(
          `${where}.elements`,
          `${block.elements.length} elements, not 1 to ${LIMITS.contextElements}`,
        );
      }
      for (const [i, element] of block.elements.entries()) {
        checkText(`${where}.elements[${i}]`, element, LIMITS.contextText, say);
      }
      return;
    case "actions":
      if (block.elements.length === 0 || block.elements.length > LIMITS.actionsElements) {
        say(
          `${where}.elements`,
          `${block.elements.length} elements, not 1 to ${LIMITS.actionsElements}`,
        );
      }
      for (const [i, button] of block.elements.entries()) {
        checkButton(`${where}.elements[${i}]`, button, ids, say);
      }
      return;
    case "divider":
      return;
    default:
      say(where, `unknown block type ${JSON.stringify((block as { type: unknown }).type)}`);
  }
}

function checkButton(where: string, button: ButtonElement, ids: Ids, say: Say): void {
  checkPlain(`${where}.text`, button.text, LIMITS.buttonText, say);
  checkId(`${where}.action_id`, button.action_id, LIMITS.actionId, ids.action, say);
  if (button.value !== undefined) {
    checkLength(`${where}.value`, button.value, LIMITS.buttonValue, say);
  }
  if (button.url !== undefined) {
    checkLength(`${where}.url`, button.url, LIMITS.buttonUrl, say);
    if (!/^https?:\/\//i.test(button.url)) say(`${where}.url`, "not a web address");
  }
  if (button.style !== undefined && button.style !== "primary" && button.style !== "danger") {
    say(`${where}.style`, `unknown style ${JSON.stringify(button.style)}`);
  }
  if (button.confirm) checkConfirm(`${where}.confirm`, button.confirm, say);
}

function checkConfirm(where: string, confirm: ConfirmDialog, say: Say): void {
  checkPlain(`${where}.title`, confirm.title, LIMITS.confirmTitle, say);
  checkText(`${where}.text`, confirm.text, LIMITS.confirmText, say);
  checkPlain(`${where}.confirm`, confirm.confirm, LIMITS.confirmButton, say);
  checkPlain(`${where}.deny`, confirm.deny, LIMITS.confirmButton, say);
}

/** An id: 1 to `max` characters, and not used twice in the message. */
function checkId(where: string, id: string, max: number, seen: Set<string>, say: Say): void {
  checkLength(where, id, max, say);
  if (seen.has(id)) say(where, `${JSON.stringify(id)} used twice`);
  seen.add(id);
}

function checkText(where: string, text: TextObject, max: number, say: Say): void {
  if (text.type === "plain_text") checkPlain(where, text, max, say);
  else if (text.type === "mrkdwn") checkMrkdwn(where, text.text, max, say);
  else say(where, `unknown text type ${JSON.stringify((text as { type: unknown }).type)}`);
}

function checkPlain(where: string, text: TextObject, max: number, say: Say): void {
  if (text.type !== "plain_text") say(where, "must be plain_text");
  checkLength(where, text.text, max, say);
}

/** Non-blank, at most `max` units, valid UTF-16. */
function checkLength(where: string, text: string, max: number, say: Say): void {
  if (typeof text !== "string" || !text.trim()) say(where, "empty");
  else if (text.length > max) say(where, `${text.length} characters, more than ${max}`);
  if (LONE_SURROGATE.test(text)) say(where, "half a surrogate pair");
}

// What mrkdwn may hold, as the renderers write it: an entity, a link, a quote's `>` at the start
// of a line, a code fence line, or a character that is none of `&<>` and not a backtick run.
const LINK = /<(?:https?:\/\/|mailto:)[^\s<>|]+(?:\|[^<>\n]+)?>/y;
const ENTITY = /&(?:amp|lt|gt);/y;

function checkMrkdwn(where: string, text: string, max: number, say: Say): void {
  checkLength(where, text, max, say);
  let fences = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === "&" || c === "<") {
      const pattern = c === "&" ? ENTITY : LINK;
      pattern.lastIndex = i;
      const token = pattern.exec(text)?.[0];
      if (!token) {
        say(where, `a bare ${JSON.stringify(c)} at ${i}`);
        return;
      }
      i += token.length;
    } else if (c === ">") {
      if (!lineStart) {
        say(where, `a bare ">" at ${i}`);
        return;
      }
      i++;
    } else if (c === "`" && text[i + 1] === "`") {
      const after = text[i + 3];
      const fenceLine =
        lineStart && text.startsWith("```", i) && (after === undefined || after === "\n");
      if (!fenceLine) {
        say(where, `backticks side by side at ${i}, outside a code fence line`);
        return;
      }
      fences++;
      i += 3;
    } else {
      i++;
    }
    lineStart = c === "\n";
  }
  if (fences % 2 !== 0) say(where, "a code block left open");
}
