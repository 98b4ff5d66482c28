// One output event as Discord Markdown, in pieces of at most one message each: the agent's text
// in full when it is not too long (else a head, with the whole text as a file), a tool call as
// its tool and what it does (a command as code, a file edit as a short diff), thinking as a
// line of subtext and tool results shortened (the web app has them whole).
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
import { cutDiscord, splitDiscord } from "./render-cut.js";
import {
  codeBlock,
  cutLiteral,
  escapeDiscord,
  inlineCode,
  markdownToDiscord,
} from "./render-markdown.js";
import { LIMITS } from "./render-message.js";
import { fileLines, scriptBlock } from "./render-tool.js";

/**
 * Agent text up to this much Markdown is shown whole, in two messages at most; past it, the
 * thread shows its head and the text goes as a file, which Discord shows with its own preview
 * (a report of hundreds of lines reads better there than as a wall of messages).
 */
export const OUTPUT_FULL_MAX = 2 * LIMITS.content;
/** A tool call or result fits one message, with room to share it with others. */
const CALL_MAX = 1500;

export interface RenderedOutput {
  /** The output as Discord Markdown, each piece at most one message's content. */
  pieces: string[];
  /** The whole text, when the pieces hold only its head: to upload into the thread. */
  file?: { name: string; text: string };
}

export function renderOutput(data: {
  text: string;
  kind?: OutputKind;
  metadata: Record<string, unknown>;
}): RenderedOutput {
  switch (data.kind) {
    case "thinking":
      return one(thinking(data.text));
    case "tool_call":
      return one(toolCall(data.text, data.metadata));
    case "tool_result":
      return one(toolResult(data.text, data.metadata));
    case "error":
      return whole(data.text, "output.txt", (text) => `⚠️ ${escapeDiscord(text)}`);
    default:
      return whole(data.text, "output.md", markdownToDiscord);
  }
}

function one(markdown: string): RenderedOutput {
  return { pieces: [cutDiscord(markdown, LIMITS.content, "\n…")] };
}

/** The text in full when it is not too long, else its head and the text as a file. */
function whole(text: string, name: string, render: (text: string) => string): RenderedOutput {
  const markdown = render(text);
  if (!markdown.trim()) return { pieces: ["*(empty)*"] };
  if (markdown.length <= OUTPUT_FULL_MAX) return { pieces: splitDiscord(markdown, LIMITS.content) };
  const head = cutDiscord(render(textHead(text)), HEAD_MARKUP_MAX, "…");
  return { pieces: [`${head}\n-# … (full text attached)`], file: { name, text } };
}

/** Thinking as one line of subtext: small and grey, as it deserves. */
function thinking(text: string): string {
  const short = thinkingText(text).replace(/\s*\n\s*/g, " ");
  return short ? `-# 💭 ${cutLiteral(short, THINKING_CHARS)}` : "-# 💭 thinking…";
}

/** A command this short, on one line, is shown inline; longer ones as a code block. */
const INLINE_COMMAND = 80;

function toolCall(text: string, metadata: Record<string, unknown>): string {
  const tool = toolOf(metadata);
  const input = metadata.input;
  const name = `🔧 **${cutLiteral(toolName(tool), 100)}**`;
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
    return cutDiscord(`${name}\n${scriptBlock(script)}`, CALL_MAX, "\n…");
  }
  const files = fileChangesOf(tool ?? null, input)?.map(fileLines);
  if (files) {
    const shown = files.map((f, i) => {
      const line = i === 0 ? `${name} ${f.file}` : `📝 ${f.file}`;
      return f.change ? `${line}\n${f.change}` : line;
    });
    return cutDiscord(shown.join("\n"), CALL_MAX, "\n…");
  }
  const detail = callDetail(text, tool, input).trim();
  return detail ? `${name} ${inlineCode(detail, CALL_CHARS)}` : name;
}

function toolResult(text: string, metadata: Record<string, unknown>): string {
  const failed = resultFailed(metadata);
  const result = resultHead(text);
  if (!result) return failed ? "⚠️ *failed, no output*" : "-# (no output)";
  const mark = failed ? "⚠️ *failed*\n" : "";
  const block = cutDiscord(codeBlock(result.shown), CALL_MAX, "\n…");
  return `${mark}${block}${result.more ? `\n-# ${result.more}` : ""}`;
}
