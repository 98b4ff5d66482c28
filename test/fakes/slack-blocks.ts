// Block Kit as Slack checks it when a message is posted or updated (chat.postMessage,
// chat.update, chat.postEphemeral, a response_url): the limits a bridge must respect, and the
// answer Slack gives when one is broken. Slack names each offending field with a JSON pointer,
// e.g. `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`; the fake answers
// in the same words for the limits whose wording is known from real answers (lengths, counts),
// and in the same style for the rest (test/fakes/README.md says which).
// Slack also fills in the ids a block or element was sent without; so does `normalize` here.
import { randomBytes } from "node:crypto";

export type Block = Record<string, unknown>;

export type BlocksVerdict =
  /** Not a JSON array of objects at all. */
  | { kind: "format" }
  /** Block Kit rules broken: one line per offending field. */
  | { kind: "invalid"; errors: string[] }
  /** The markdown blocks together exceed their 12,000-character budget. */
  | { kind: "too_long" }
  | { kind: "ok"; blocks: Block[] };

/** Limits for blocks in a message (modals and App Home allow 100 blocks). */
export const BLOCK_LIMITS = {
  blocks: 50,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  markdownTotal: 12_000,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  url: 3000,
  altText: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

/** Block types a message may carry (`input` is for modals only). */
const MESSAGE_BLOCK_TYPES = new Set([
  "section",
  "divider",
  "header",
  "context",
  "actions",
  "image",
  "rich_text",
  "markdown",
  "video",
  "file",
  "table",
]);

const INTERACTIVE_ELEMENTS = new Set([
  "button",
  "checkboxes",
  "datepicker",
  "datetimepicker",
  "timepicker",
  "static_select",
  "external_select",
  "users_select",
  "conversations_select",
  "channels_select",
  "multi_static_select",
  "multi_external_select",
  "multi_users_select",
  "multi_conversations_select",
  "multi_channels_select",
  "overflow",
  "radio_buttons",
  "workflow_button",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Slack's own ids for blocks and elements sent without one look like `Xk2bP`. */
const generatedId = () => randomBytes(4).toString("base64url").slice(0, 5);

export function checkMessageBlocks(blocks: unknown): BlocksVerdict {
  if (!Array.isArray(blocks) || !blocks.every(isObject)) return { kind: "format" };
  const errors: string[] = [];
  const at = (pointer: string, problem: string) =>
    errors.push(`${problem} [json-pointer:${pointer}]`);
  if (blocks.length > BLOCK_LIMITS.blocks) {
    at("/blocks", `no more than ${BLOCK_LIMITS.blocks} items allowed`);
  }
  const blockIds = new Set<string>();
  let markdownChars = 0;
  blocks.forEach((block, i) => {
    const path = `/blocks/${i}`;
    if (typeof block.type !== "string" || !MESSAGE_BLOCK_TYPES.has(block.type)) {
      at(path, "failed to match all allowed schemas");
      return;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== "string" || block.block_id.length === 0) {
        at(`${path}/block_id`, "must be a non-empty string");
      } else if (block.block_id.length > BLOCK_LIMITS.blockId) {
        at(`${path}/block_id`, `must be less than ${BLOCK_LIMITS.blockId + 1} characters`);
      } else if (blockIds.has(block.block_id)) {
        at(`${path}/block_id`, "duplicate block_id");
      } else {
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case "section":
        checkSection(block, path, at);
        break;
      case "header":
        checkText(block.text, `${path}/text`, BLOCK_LIMITS.headerText, at, { plainOnly: true });
        break;
      case "context":
        checkElementList(block.elements, `${path}/elements`, BLOCK_LIMITS.contextElements, at);
        if (Array.isArray(block.elements)) {
          block.elements.forEach((element, j) => {
            const where = `${path}/elements/${j}`;
            if (isObject(element) && element.type === "image") checkImage(element, where, at);
            else checkText(element, where, BLOCK_LIMITS.sectionText, at);
          });
        }
        break;
      case "actions":
        checkElementList(block.elements, `${path}/elements`, BLOCK_LIMITS.actionsElements, at);
        if (Array.isArray(block.elements)) {
          const actionIds = new Set<string>();
          block.elements.forEach((element, j) => {
            checkInteractive(element, `${path}/elements/${j}`, actionIds, at);
          });
        }
        break;
      case "image":
        checkImage(block, path, at);
        break;
      case "markdown":
        if (typeof block.text !== "string" || block.text.length === 0) {
          at(`${path}/text`, "must be more than 0 characters");
        } else {
          markdownChars += block.text.length;
        }
        break;
      case "rich_text":
        if (!Array.isArray(block.elements)) at(`${path}/elements`, "must be an array");
        break;
    }
  });
  if (errors.length > 0) return { kind: "invalid", errors };
  if (markdownChars > BLOCK_LIMITS.markdownTotal) return { kind: "too_long" };
  return { kind: "ok", blocks: normalize(blocks) };
}

type At = (pointer: string, problem: string) => void;

function checkSection(block: Block, path: string, at: At): void {
  if (block.text === undefined && block.fields === undefined) {
    at(path, "must provide either text or fields");
  }
  if (block.text !== undefined) {
    const problems: [pointer: string, problem: string][] = [];
    checkText(block.text, `${path}/text`, BLOCK_LIMITS.sectionText, (pointer, problem) => {
      problems.push([pointer, problem]);
    });
    // Slack names the section's text object first, then what is wrong inside it (real answer:
    // "failed to match all allowed schemas [json-pointer:/blocks/0/text]", then "must be less
    // than 3001 characters [json-pointer:/blocks/0/text/text]").
    if (problems.length > 0) {
      at(`${path}/text`, "failed to match all allowed schemas");
      for (const [pointer, problem] of problems) at(pointer, problem);
    }
  }
  if (block.fields !== undefined) {
    if (!Array.isArray(block.fields)) {
      at(`${path}/fields`, "must be an array");
    } else {
      if (block.fields.length > BLOCK_LIMITS.sectionFields) {
        at(`${path}/fields`, `no more than ${BLOCK_LIMITS.sectionFields} items allowed`);
      }
      block.fields.forEach((field, j) => {
        checkText(field, `${path}/fields/${j}`, BLOCK_LIMITS.fieldText, at);
      });
    }
  }
  if (block.accessory !== undefined) {
    const accessory = block.accessory;
    if (isObject(accessory) && accessory.type === "image") {
      checkImage(accessory, `${path}/accessory`, at);
    } else {
      checkInteractive(accessory, `${path}/accessory`, new Set(), at);
    }
  }
}

function checkText(
  value: unknown,
  path: string,
  max: number,
  at: At,
  options: { plainOnly?: boolean } = {},
): void {
  if (!isObject(value)) {
    at(path, "must be an object");
    return;
  }
  const allowed = options.plainOnly ? ["plain_text"] : ["plain_text", "mrkdwn"];
  if (typeof value.type !== "string" || !allowed.includes(value.type)) {
    at(`${path}/type`, `must be ${allowed.map((t) => `"${t}"`).join(" or ")}`);
    return;
  }
  if (typeof value.text !== "string" || value.text.length === 0) {
    at(`${path}/text`, "must be more than 0 characters");
  } else if (value.text.length > max) {
    at(`${path}/text`, `must be less than ${max + 1} characters`);
  }
}

function checkElementList(elements: unknown, path: string, max: number, at: At): void {
  if (!Array.isArray(elements) || elements.length === 0) {
    at(path, "must contain at least 1 item");
  } else if (elements.length > max) {
    at(path, `no more than ${max} items allowed`);
  }
}

function checkImage(image: Block, path: string, at: At): void {
  if (typeof image.image_url !== "string" && !isObject(image.slack_file)) {
    at(path, "must provide either image_url or slack_file");
  } else if (typeof image.image_url === "string" && image.image_url.length > BLOCK_LIMITS.url) {
    at(`${path}/image_url`, `must be less than ${BLOCK_LIMITS.url + 1} characters`);
  }
  if (typeof image.alt_text !== "string" || image.alt_text.length === 0) {
    at(`${path}/alt_text`, "must be more than 0 characters");
  } else if (image.alt_text.length > BLOCK_LIMITS.altText) {
    at(`${path}/alt_text`, `must be less than ${BLOCK_LIMITS.altText + 1} characters`);
  }
}

function checkInteractive(element: unknown, path: string, actionIds: Set<string>, at: At): void {
  if (!isObject(element) || typeof element.type !== "string") {
    at(path, "failed to match all allowed schemas");
    return;
  }
  if (!INTERACTIVE_ELEMENTS.has(element.type)) {
    at(`${path}/type`, "failed to match all allowed schemas");
    return;
  }
  if (element.action_id !== undefined) {
    if (typeof element.action_id !== "string" || element.action_id.length === 0) {
      at(`${path}/action_id`, "must be more than 0 characters");
    } else if (element.action_id.length > BLOCK_LIMITS.actionId) {
      at(`${path}/action_id`, `must be less than ${BLOCK_LIMITS.actionId + 1} characters`);
    } else if (actionIds.has(element.action_id)) {
      at(`${path}/action_id`, "duplicate action_id");
    } else {
      actionIds.add(element.action_id);
    }
  }
  if (element.type !== "button") return;
  checkText(element.text, `${path}/text`, BLOCK_LIMITS.buttonText, at, { plainOnly: true });
  if (element.value !== undefined) {
    if (typeof element.value !== "string") at(`${path}/value`, "must be a string");
    else if (element.value.length > BLOCK_LIMITS.buttonValue) {
      at(`${path}/value`, `must be less than ${BLOCK_LIMITS.buttonValue + 1} characters`);
    }
  }
  if (typeof element.url === "string" && element.url.length > BLOCK_LIMITS.url) {
    at(`${path}/url`, `must be less than ${BLOCK_LIMITS.url + 1} characters`);
  }
  checkStyle(element.style, `${path}/style`, at);
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${path}/confirm`, at);
}

function checkStyle(style: unknown, path: string, at: At): void {
  if (style !== undefined && style !== "primary" && style !== "danger") {
    at(path, 'must be "primary" or "danger"');
  }
}

/** A confirmation dialog: all four texts are required. */
function checkConfirm(confirm: unknown, path: string, at: At): void {
  if (!isObject(confirm)) {
    at(path, "must be an object");
    return;
  }
  const plain = { plainOnly: true };
  checkText(confirm.title, `${path}/title`, BLOCK_LIMITS.confirmTitle, at, plain);
  checkText(confirm.text, `${path}/text`, BLOCK_LIMITS.confirmText, at);
  checkText(confirm.confirm, `${path}/confirm`, BLOCK_LIMITS.confirmButton, at, plain);
  checkText(confirm.deny, `${path}/deny`, BLOCK_LIMITS.confirmButton, at, plain);
  checkStyle(confirm.style, `${path}/style`, at);
}

/** The blocks as Slack stores them: every block has a block_id and every interactive element
 * an action_id (generated when the sender gave none). */
function normalize(blocks: Block[]): Block[] {
  const withId = (element: unknown) =>
    isObject(element) && INTERACTIVE_ELEMENTS.has(String(element.type))
      ? { ...element, action_id: element.action_id ?? generatedId() }
      : element;
  return blocks.map((block) => {
    const copy: Block = { ...block, block_id: block.block_id ?? generatedId() };
    if (Array.isArray(copy.elements) && copy.type === "actions") {
      copy.elements = copy.elements.map(withId);
    }
    if (copy.accessory !== undefined) copy.accessory = withId(copy.accessory);
    return copy;
  });
}

/** The interactive elements of a message's blocks, with the block each is in. */
export function interactiveElements(
  blocks: Block[] | undefined,
): { blockId: string; element: Record<string, unknown> }[] {
  const found: { blockId: string; element: Record<string, unknown> }[] = [];
  for (const block of blocks ?? []) {
    const blockId = String(block.block_id ?? "");
    const candidates = [
      ...(block.type === "actions" && Array.isArray(block.elements) ? block.elements : []),
      ...(block.accessory !== undefined ? [block.accessory] : []),
    ];
    for (const element of candidates) {
      if (isObject(element) && INTERACTIVE_ELEMENTS.has(String(element.type))) {
        found.push({ blockId, element });
      }
    }
  }
  return found;
}
