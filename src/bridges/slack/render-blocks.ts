// The small part of Slack's Block Kit that Tether's messages use, typed here (the bridge's
// renderers must not need @slack/* to be built or tested), with Slack's limits on each part and
// builders that keep within them.
import { cutText, wellFormed } from "../cut-text.js";

/** Slack's limits, in characters (counted here as UTF-16 units, never fewer than Slack counts).
 * From the Block Kit reference and chat.postMessage. */
export const LIMITS = {
  /** chat.postMessage's `text`: longer is cut by Slack (or refused, msg_too_long). */
  messageText: 40_000,
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}

/** `verbatim: true` everywhere: Slack then leaves the text as written (no auto-linked names or
 * parsed mentions in an agent's output); links are made by the renderers, as `<url|text>`. */
export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
  verbatim?: boolean;
}

export type TextObject = PlainText | MrkdwnText;

export interface SectionBlock {
  type: "section";
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
}

export interface HeaderBlock {
  type: "header";
  block_id?: string;
  text: PlainText;
}

export interface ContextBlock {
  type: "context";
  block_id?: string;
  elements: TextObject[];
}

export interface DividerBlock {
  type: "divider";
  block_id?: string;
}

export interface ConfirmDialog {
  title: PlainText;
  text: TextObject;
  confirm: PlainText;
  deny: PlainText;
  style?: "primary" | "danger";
}

export interface ButtonElement {
  type: "button";
  text: PlainText;
  action_id: string;
  value?: string;
  url?: string;
  style?: "primary" | "danger";
  confirm?: ConfirmDialog;
}

export interface ActionsBlock {
  type: "actions";
  block_id?: string;
  elements: ButtonElement[];
}

export type SlackBlock = SectionBlock | HeaderBlock | ContextBlock | DividerBlock | ActionsBlock;

/** What chat.postMessage / chat.update take: `text` is always set, since notifications, screen
 * readers and clients that cannot draw the blocks show it instead. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** mrkdwn text, as Slack takes it in a text object. */
export function mrkdwn(text: string): MrkdwnText {
  return { type: "mrkdwn", text, verbatim: true };
}

/** Plain text for a field of at most `max` characters: one never empty, never a surrogate half. */
export function plain(text: string, max: number, empty = "—"): PlainText {
  const line = wellFormed(text).trim();
  return { type: "plain_text", text: line ? cutText(line, max) : empty, emoji: true };
}

/** A section of mrkdwn that the caller keeps within LIMITS.sectionText. */
export function section(text: string): SectionBlock {
  return { type: "section", text: mrkdwn(text) };
}

/** A context line (small, grey): for what is worth a glance, not a read. */
export function context(text: string): ContextBlock {
  return { type: "context", elements: [mrkdwn(text)] };
}

/** A message of blocks, with its fallback text. */
export function message(text: string, blocks: SlackBlock[]): SlackMessage {
  return { text, blocks };
}
