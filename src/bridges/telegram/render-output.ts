// One output event as a block of a Telegram message, readable on a phone: the agent's text in
// full when it fits (else a head, with the whole text as a file), thinking and tool results
// shortened (the web app has them whole), a tool call as one line.
import type { OutputKind } from "../../shared/schemas.js";
import { shellScript } from "../shell-script.js";
import { cutHtml, cutText, escapeCut, escapeHtml, headLines } from "./render-html.js";
import { markdownToHtml } from "./render-markdown.js";

/** An output shown whole up to this much HTML; the rest of a message is left for batching. */
export const OUTPUT_FULL_MAX = 3500;
const HEAD_LINES = 15;
const HEAD_CHARS = 800;
const THINKING_CHARS = 300;
const RESULT_LINES = 12;
const RESULT_CHARS = 600;
const CALL_CHARS = 200;
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
  const head = cutText(headLines(text, HEAD_LINES).head, HEAD_CHARS, "");
  return {
    html: cutHtml(render(head), HEAD_CHARS + 400, "…").concat("\n… (full text attached)"),
    file: { name, text },
  };
}

function thinking(text: string): string {
  const short = text.trim().replace(/\n{2,}/g, "\n");
  return short ? `💭 <i>${escapeCut(short, THINKING_CHARS)}</i>` : "💭 <i>thinking…</i>";
}

/** A tool's name as a person reads it; Codex names its own tools plainly. */
const TOOL_NAMES: Record<string, string> = { command: "Shell", apply_patch: "Edit files" };

/** The one detail that says what a call does, from the input Claude sends with it. */
const DETAIL_FIELDS = ["command", "file_path", "path", "pattern", "url", "query", "description"];

function toolCall(text: string, metadata: Record<string, unknown>): string {
  const tool = typeof metadata.tool === "string" && metadata.tool ? metadata.tool : undefined;
  const input = metadata.input;
  let detail = text;
  if (tool && typeof input === "object" && input !== null && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>;
    const found = DETAIL_FIELDS.map((f) => fields[f]).find(
      (v): v is string => typeof v === "string" && v.trim() !== "",
    );
    if (found) detail = found;
    else if (text === tool) detail = JSON.stringify(input);
  }
  // Claude's text is `Tool: detail` already; the tool is shown on its own.
  if (tool && detail.startsWith(`${tool}: `)) detail = detail.slice(tool.length + 2);
  if (tool && detail === tool) detail = "";
  detail = shellScript(detail)
    .replace(/\s*\n\s*/g, " ⏎ ")
    .trim();
  const name = tool ? (TOOL_NAMES[tool] ?? tool) : "Tool";
  const code = detail ? ` <code>${escapeCut(detail, CALL_CHARS)}</code>` : "";
  return `🔧 <b>${escapeCut(name, 100)}</b>${code}`;
}

function toolResult(text: string, metadata: Record<string, unknown>): string {
  const failed =
    metadata.is_error === true ||
    (typeof metadata.exit_code === "number" && metadata.exit_code !== 0) ||
    metadata.status === "failed";
  const mark = failed ? "⚠️ " : "";
  const body = text.replace(/\s+$/, "");
  if (!body) return `${mark}<i>(no output)</i>`;
  const lines = body.split("\n");
  const { head } = headLines(body, RESULT_LINES);
  const shown = cutText(head, RESULT_CHARS, "");
  const shownLines = shown.split("\n").length;
  // A line cut in the middle counts as one not shown.
  const partial = shown.length < head.length ? 1 : 0;
  const more = lines.length - shownLines + partial;
  const pre = `<pre>${escapeCut(shown, RESULT_HTML_MAX)}</pre>`;
  const note = more > 0 ? `\n… (${more} more line${more === 1 ? "" : "s"} in the web app)` : "";
  return `${mark}${pre}${note}`;
}
