// One output event as blocks of a Slack message: the agent's text in full when it is not too
// long (else a head, with the whole text as a file), a tool call as its tool and what it does
// (a command as code, a file edit as a short diff), thinking and tool results shortened (the web
// app has them whole).
import type { OutputKind } from "../../shared/schemas.js";
import { cutText, headLines } from "../cut-text.js";
import { shellScript } from "../shell-script.js";
import { commandOf, fileChangesOf, isFields } from "../tool-input.js";
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
const HEAD_LINES = 15;
const HEAD_CHARS = 800;
const THINKING_CHARS = 300;
const RESULT_LINES = 12;
const RESULT_CHARS = 600;
const CALL_CHARS = 200;
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
  const head = cutText(headLines(text, HEAD_LINES).head, HEAD_CHARS, "");
  const shown = cutMrkdwn(render(head), HEAD_CHARS + 400, "…");
  return { ...sections(`${shown}\n_… (full text attached)_`), file: { name, text } };
}

function thinking(text: string): string {
  const short = text.trim().replace(/\n{2,}/g, "\n");
  // A context line is small and grey already: no italics, which an underscore in the text
  // would end early.
  return short ? `💭 ${cutLiteral(short, THINKING_CHARS)}` : "💭 thinking…";
}

/** A tool's name as a person reads it; Codex names its own tools plainly. */
const TOOL_NAMES: Record<string, string> = { command: "Shell", apply_patch: "Edit files" };

/** The one detail that says what a call does, from the input Claude sends with it. */
const DETAIL_FIELDS = ["command", "file_path", "path", "pattern", "url", "query", "description"];

/** A command this short, on one line, is shown inline; longer ones as a code block. */
const INLINE_COMMAND = 80;

function toolCall(text: string, metadata: Record<string, unknown>): string {
  const tool = typeof metadata.tool === "string" && metadata.tool ? metadata.tool : undefined;
  const input = metadata.input;
  const name = `🔧 *${cutLiteral(tool ? (TOOL_NAMES[tool] ?? tool) : "Tool", 100)}*`;
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
  const detail = oneLine(text, tool, input);
  return detail ? `${name} ${inlineCode(detail, CALL_CHARS)}` : name;
}

/** What a call does in a line: its most telling input field, else its text. */
function oneLine(text: string, tool: string | undefined, input: unknown): string {
  let detail = text;
  if (tool && isFields(input)) {
    const found = DETAIL_FIELDS.map((f) => input[f]).find(
      (v): v is string => typeof v === "string" && v.trim() !== "",
    );
    if (found) detail = found;
    else if (text === tool) detail = JSON.stringify(input);
  }
  // Claude's text is `Tool: detail` already; the tool is shown on its own.
  if (tool && detail.startsWith(`${tool}: `)) detail = detail.slice(tool.length + 2);
  if (tool && detail === tool) detail = "";
  return shellScript(detail).trim();
}

function toolResult(text: string, metadata: Record<string, unknown>): string {
  const failed =
    metadata.is_error === true ||
    (typeof metadata.exit_code === "number" && metadata.exit_code !== 0) ||
    metadata.status === "failed";
  // A code fence is a line of its own: the mark goes on the line before it.
  const mark = failed ? "⚠️ _failed_\n" : "";
  const body = text.replace(/\s+$/, "");
  if (!body) return failed ? "⚠️ _failed, no output_" : "_(no output)_";
  const lines = body.split("\n");
  const { head } = headLines(body, RESULT_LINES);
  const shown = cutText(head, RESULT_CHARS, "");
  const shownLines = shown.split("\n").length;
  // A line cut in the middle counts as one not shown.
  const partial = shown.length < head.length ? 1 : 0;
  const more = lines.length - shownLines + partial;
  const block = cutMrkdwn(codeBlock(shown), CALL_MAX, "\n…");
  const note = more > 0 ? `\n_… (${more} more line${more === 1 ? "" : "s"} in the web app)_` : "";
  return `${mark}${block}${note}`;
}
