// One output event as a block of a Telegram message, readable on a phone: the agent's text in
// full when it fits (else a head, with the whole text as a file), thinking and tool results
// shortened (the web app has them whole), a tool call as one line.
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
import { cutHtml, escapeCut, escapeHtml } from "./render-html.js";
import { markdownToHtml } from "./render-markdown.js";

/** An output shown whole up to this much HTML; the rest of a message is left for batching. */
export const OUTPUT_FULL_MAX = 3500;
/** A result of `<` and `&` escapes to several times its length: bounded as HTML too. */
const RESULT_HTML_MAX = 1200;

export interface RenderedOutput {
  html: string;
  /** The whole text, when the message holds only its head. */
  file?: { name: string; text: string };
}

export function renderOutput(data: {
  text: string;
  kind?: OutputKind;
  metadata: Record<string, unknown>;
}): RenderedOutput {
  switch (data.kind) {
    case "thinking":
      return { html: thinking(data.text) };
    case "tool_call":
      return { html: toolCall(data.text, data.metadata) };
    case "tool_result":
      return { html: toolResult(data.text, data.metadata) };
    case "error":
      return whole(data.text, "output.txt", (text) => `⚠️ ${escapeHtml(text)}`);
    default:
      return whole(data.text, "output.md", markdownToHtml);
  }
}

/** The text in full when it fits, else its head and the text as a file. */
function whole(text: string, name: string, render: (text: string) => string): RenderedOutput {
  const html = render(text);
  if (html.length <= OUTPUT_FULL_MAX) return { html: html || "<i>(empty)</i>" };
  return {
    html: cutHtml(render(textHead(text)), HEAD_MARKUP_MAX, "…").concat("\n… (full text attached)"),
    file: { name, text },
  };
}

function thinking(text: string): string {
  const short = thinkingText(text);
  return short ? `💭 <i>${escapeCut(short, THINKING_CHARS)}</i>` : "💭 <i>thinking…</i>";
}

function toolCall(text: string, metadata: Record<string, unknown>): string {
  const tool = toolOf(metadata);
  const detail = callDetail(text, tool, metadata.input)
    .replace(/\s*\n\s*/g, " ⏎ ")
    .trim();
  const code = detail ? ` <code>${escapeCut(detail, CALL_CHARS)}</code>` : "";
  return `🔧 <b>${escapeCut(toolName(tool), 100)}</b>${code}`;
}

function toolResult(text: string, metadata: Record<string, unknown>): string {
  const mark = resultFailed(metadata) ? "⚠️ " : "";
  const result = resultHead(text);
  if (!result) return `${mark}<i>(no output)</i>`;
  const pre = `<pre>${escapeCut(result.shown, RESULT_HTML_MAX)}</pre>`;
  return `${mark}${pre}${result.more ? `\n${result.more}` : ""}`;
}
