// Outputs joined into messages, in order: as many as fit one message (Block Kit's 50 blocks, and
// 40,000 characters of block text, as much as a message's text may hold), so a chatty agent
// makes a few readable messages rather than one per line. An output that goes with a file is a
// message of its own, the file uploaded after it.
import { LIMITS, mrkdwn, type SlackBlock, type SlackMessage } from "./render-blocks.js";
import { cutMrkdwn } from "./render-cut.js";
import type { RenderedOutput } from "./render-output.js";

/** The block text of one output message, all its blocks together. */
export const OUTPUT_MESSAGE_CHARS = LIMITS.messageText;
/** An output message's fallback text: what a notification shows. Slack advises at most 4,000
 * characters for a text; the blocks hold the whole. */
export const FALLBACK_MAX = 4000;
const CUT_MARK = "\n…";

export interface OutputBatch {
  message: SlackMessage;
  /** How many of the outputs it holds. */
  count: number;
  /** The whole text of its one output, to upload into the thread after the message. */
  file?: { name: string; text: string };
}

/** The characters of text in blocks (what OUTPUT_MESSAGE_CHARS bounds). */
export function blockChars(blocks: readonly SlackBlock[]): number {
  let chars = 0;
  for (const block of blocks) {
    if (block.type === "section") {
      chars += block.text?.text.length ?? 0;
      for (const field of block.fields ?? []) chars += field.text.length;
    } else if (block.type === "context") {
      for (const element of block.elements) chars += element.text.length;
    } else if (block.type === "header") {
      chars += block.text.text.length;
    }
  }
  return chars;
}

/**
 * `outputs` added in order to `open` (the thread's newest output message, edited to grow) or to
 * a new message, as many as fit; `count` says how many. It stops at an output with a file,
 * which batchOutputs sends on its own. Without `open`, the first output always fits.
 */
export function appendOutputs(
  open: SlackMessage | undefined,
  outputs: readonly RenderedOutput[],
): { message: SlackMessage; count: number } {
  const blocks = open ? [...open.blocks] : [];
  let chars = blockChars(blocks);
  let text = open?.text ?? "";
  let count = 0;
  for (const output of outputs) {
    if (output.file) break;
    const more = blockChars(output.blocks);
    // A short output joins the section before it: a message holds 50 blocks, and one block per
    // line of a chatty agent would fill it with a few thousand characters.
    const joined = joinSections(blocks.at(-1), output.blocks[0]);
    const added = joined ? output.blocks.length - 1 : output.blocks.length;
    const fits = blocks.length + added <= LIMITS.blocks && chars + more <= OUTPUT_MESSAGE_CHARS;
    // An output is never cut here: one that is too big for an empty message (none is) goes alone.
    if (!fits && (open !== undefined || count > 0)) break;
    if (joined) blocks[blocks.length - 1] = joined;
    blocks.push(...output.blocks.slice(joined ? 1 : 0).slice(0, LIMITS.blocks - blocks.length));
    chars += more;
    text = joinFallback(text, output.text);
    count++;
  }
  return { message: { text: text || "…", blocks }, count };
}

/** Two mrkdwn sections as one, when both are text only and together fit a section. */
function joinSections(
  last: SlackBlock | undefined,
  next: SlackBlock | undefined,
): SlackBlock | undefined {
  if (last?.type !== "section" || next?.type !== "section") return undefined;
  if (last.fields || next.fields || last.text?.type !== "mrkdwn" || next.text?.type !== "mrkdwn") {
    return undefined;
  }
  const text = `${last.text.text}\n\n${next.text.text}`;
  return text.length <= LIMITS.sectionText ? { type: "section", text: mrkdwn(text) } : undefined;
}

/** All of `outputs` as messages, in order, as few as fit them. */
export function batchOutputs(outputs: readonly RenderedOutput[]): OutputBatch[] {
  const batches: OutputBatch[] = [];
  let i = 0;
  while (i < outputs.length) {
    const output = outputs[i]!;
    if (output.file) {
      batches.push({
        message: { text: joinFallback("", output.text), blocks: output.blocks },
        count: 1,
        file: output.file,
      });
      i++;
      continue;
    }
    const batch = appendOutputs(undefined, outputs.slice(i));
    batches.push(batch);
    i += batch.count;
  }
  return batches;
}

/** Fallback text grown by one output's text, cut at FALLBACK_MAX (and left as it is once cut). */
function joinFallback(text: string, more: string): string {
  if (text.endsWith(CUT_MARK)) return text;
  return cutMrkdwn(text ? `${text}\n\n${more}` : more, FALLBACK_MAX, CUT_MARK);
}
