// One output event as blocks of a Slack message: the agent's text in full when it is not too
// long (else a head, with the whole text as a file), a tool call as its tool and what it does
// (a command as code, a file edit as a short diff), thinking and tool results shortened (the web
// app has them whole).
import type { OutputKind } from "../../shared/schemas.js";
import {
  CALL_CHARS,
  callDetail,
  HEAD_MARKUP_MAX,
  resultFailed,
  resultHead,
  THINKING_CHARS,
  textHead,
  thinkingText,
  toolName,
  toolOf,
} from "../output-parts.js";
import { commandOf, fileChangesOf } from "../tool-input.js";
import { context, LIMITS, type SlackBlock, section } from "./render-blocks.js";
import { cutMrkdwn, splitMrkdwn } from "./render-cut.js";
import {
  codeBlock,
  cutLiteral,
  inlineCode,
  literalMrkdwn,
  markdownToMrkdwn,
} from "./render-mrkdwn.js";
import { fileMrkdwn, scriptBlock } from "./render-tool.js";

/**
 * Agent text up to this much mrkdwn is shown whole (in sections of up to 3,000); past it, the
 * message shows its head and the text goes as a file. Slack folds a long message behind "Show
 * more", but a report of hundreds of lines reads better as a file, which Slack shows with its
 * own preview and download.
 */
export const OUTPUT_FULL_MAX = 12_000;
/** A tool call's code (a command, a diff), escaped, fits one section with its first line. */
const CALL_MAX = LIMITS.sectionText - 200;

export interface RenderedOutput {
  /** Sections of mrkdwn, or one context line for what is worth a glance (thinking). */
  blocks: SlackBlock[];
  /** The same as mrkdwn, for a message's fallback text. */
  text: string;
  /** The whole text, when the blocks hold only its head: to upload into the thread. */
  file?: { name: string; text: string };
}

export function renderOutput(data: {
  text: string;
  kind?: OutputKind;
  metadata: Record<string, unknown>;
}): RenderedOutput {
  switch (data.kind) {
    case "thinking":
      return glance(thinking(data.text));
    case "tool_call":
      return sections(toolCall(data.text, data.metadata));
    case "tool_result":
      return sections(toolResult(data.text, data.metadata));
    case "error":
      return whole(data.text, "output.txt", (text) => `⚠️ ${literalMrkdwn(text)}`);
    default:
      return whole(data.text, "output.md", markdownToMrkdwn);
  }
}

/** mrkdwn in as many sections as it needs. */
function sections(mrkdwn: string): RenderedOutput {
  const text = mrkdwn.trim() ? mrkdwn : "_(empty)_";
  return { blocks: splitMrkdwn(text, LIMITS.sectionText).map(section), text };
}

function glance(mrkdwn: string): RenderedOutput {
  return { blocks: [context(mrkdwn)], text: mrkdwn };
}

/** The text in full when it is not too long, else its head and the text as a file. */
function whole(text: string, name: string, render: (text: string) => string): RenderedOutput {
  const mrkdwn = render(text);
  if (mrkdwn.length <= OUTPUT_FULL_MAX) return sections(mrkdwn);
  const shown = cutMrkdwn(render(textHead(text)), HEAD_MARKUP_MAX, "…");
  return { ...sections(`${shown}\n_… (full text attached)_`), file: { name, text } };
}

function thinking(text: string): string {
  const short = thinkingText(text);
  // A context line is small and grey already: no italics, which an underscore in the text
  // would end early.
  return short ? `💭 ${cutLiteral(short, THINKING_CHARS)}` : "💭 thinking…";
}

/** A command this short, on one line, is shown inline; longer ones as a code block. */
const INLINE_COMMAND = 80;

function toolCall(text: string, metadata: Record<string, unknown>): string {
  const tool = toolOf(metadata);
  const input = metadata.input;
  const name = `🔧 *${cutLiteral(toolName(tool), 100)}*`;
  // Codex's command call carries its command as the text.
  const command = commandOf(
    tool ?? null,
    input ?? (tool === "command" ? { command: text } : undefined),
  );
  if (command) {
    const script = command.script.trim();
    if (!script.includes("\n") && script.length <= INLINE_COMMAND) {
      return `${name} ${inlineCode(script, INLINE_COMMAND + 2)}`;
    }
    return `${name}\n${cutMrkdwn(scriptBlock(script), CALL_MAX, "\n…")}`;
  }
  const files = fileChangesOf(tool ?? null, input)?.map(fileMrkdwn);
  if (files) {
    const shown = files.map((f, i) => {
      const line = i === 0 ? `${name} ${f.file}` : `📝 ${f.file}`;
      return f.change ? `${line}\n${f.change}` : line;
    });
    return cutMrkdwn(shown.join("\n"), CALL_MAX, "\n…");
  }
  const detail = callDetail(text, tool, input).trim();
  return detail ? `${name} ${inlineCode(detail, CALL_CHARS)}` : name;
}

function toolResult(text: string, metadata: Record<string, unknown>): string {
  const failed = resultFailed(metadata);
  // A code fence is a line of its own: the mark goes on the line before it.
  const mark = failed ? "⚠️ _failed_\n" : "";
  const result = resultHead(text);
  if (!result) return failed ? "⚠️ _failed, no output_" : "_(no output)_";
  const block = cutMrkdwn(codeBlock(result.shown), CALL_MAX, "\n…");
  return `${mark}${block}${result.more ? `\n_${result.more}_` : ""}`;
}
