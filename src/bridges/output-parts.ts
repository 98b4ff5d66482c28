// One output event read the same for every chat: the head of a text too long to show whole,
// thinking in short, which tool a call runs and the one detail that says what it does, and
// whether a tool's result failed and its first lines. The texts are plain; each bridge writes
// them in its own markup, within its own limits.
import { cutText, headLines } from "./cut-text.js";
import { shellScript } from "./shell-script.js";
import { isFields } from "./tool-input.js";

const HEAD_LINES = 15;
const HEAD_CHARS = 800;
/** A head's room once written as markup, with the marks it holds. */
export const HEAD_MARKUP_MAX = HEAD_CHARS + 400;
export const THINKING_CHARS = 300;
/** A call's detail is cut to this. */
export const CALL_CHARS = 200;
const RESULT_LINES = 12;
const RESULT_CHARS = 600;

/** The head of a text too long for a message: its first 15 lines, 800 characters at most. */
export function textHead(text: string): string {
  return cutText(headLines(text, HEAD_LINES).head, HEAD_CHARS, "");
}

/** Thinking without its blank lines (the chat cuts it to THINKING_CHARS). */
export function thinkingText(text: string): string {
  return text.trim().replace(/\n{2,}/g, "\n");
}

/** A tool's name as a person reads it; Codex names its own tools plainly. */
const TOOL_NAMES: Record<string, string> = { command: "Shell", apply_patch: "Edit files" };

/** The one detail that says what a call does, from the input Claude sends with it. */
const DETAIL_FIELDS = ["command", "file_path", "path", "pattern", "url", "query", "description"];

/** The tool a call's metadata names, if any. */
export function toolOf(metadata: Record<string, unknown>): string | undefined {
  return typeof metadata.tool === "string" && metadata.tool ? metadata.tool : undefined;
}

/** How a call's tool is shown: by a plain name where it has one, `Tool` when none is named. */
export function toolName(tool: string | undefined): string {
  return tool ? (TOOL_NAMES[tool] ?? tool) : "Tool";
}

/** What a call does: its most telling input field, else its text (without the tool's name that
 * Claude puts before it), as the script inside Codex's shell wrapper. It may run over lines. */
export function callDetail(text: string, tool: string | undefined, input: unknown): string {
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
  return shellScript(detail);
}

/** Whether a tool's result says it failed (Claude's is_error, a command's exit code, Codex's
 * status). */
export function resultFailed(metadata: Record<string, unknown>): boolean {
  return (
    metadata.is_error === true ||
    (typeof metadata.exit_code === "number" && metadata.exit_code !== 0) ||
    metadata.status === "failed"
  );
}

/** A tool result's first lines (12 at most, 600 characters) and, when it has more, a line that
 * says how many more the web app has; undefined when there was no output. */
export function resultHead(text: string): { shown: string; more?: string } | undefined {
  const body = text.replace(/\s+$/, "");
  if (!body) return undefined;
  const lines = body.split("\n");
  const { head } = headLines(body, RESULT_LINES);
  const shown = cutText(head, RESULT_CHARS, "");
  const shownLines = shown.split("\n").length;
  // A line cut in the middle counts as one not shown.
  const partial = shown.length < head.length ? 1 : 0;
  const more = lines.length - shownLines + partial;
  if (more <= 0) return { shown };
  return { shown, more: `… (${more} more line${more === 1 ? "" : "s"} in the web app)` };
}
