// An approval as a Telegram message: the request, with its tool input shown for what it is (a
// command as code, an edit as a short diff, a question with its choices), then, once settled,
// who answered what. Bounded so the settled message still fits in one message.

import { splitLines } from "../../shared/line-diff.js";
import type { Approval } from "../../shared/schemas.js";
import { shellScript } from "../shell-script.js";
import { diffTexts, unifiedBody, unifiedLines } from "../short-diff.js";
import { cutHtml, cutText, escapeCut, escapeHtml, MESSAGE_LIMIT } from "./render-html.js";
import { codeBlock, markdownToHtml } from "./render-markdown.js";

/** An unanswered approval's text, leaving room for the line renderSettled adds. */
export const APPROVAL_LIMIT = 3500;
const TITLE_MAX = 600;
const DESCRIPTION_MAX = 900;
const TOOL_MAX = 2000;
const JSON_MAX = 1500;
const DIFF_LINES = 30;
const DIFF_LINE_MAX = 160;
const COMMAND_MAX = 1200;
const WRITE_LINES = 12;

type Fields = Record<string, unknown>;
const isText = (v: unknown): v is string => typeof v === "string";
const isFields = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An approval as its message's text, before it is answered. */
export function renderApproval(approval: Approval): string {
  const parts = [
    `${approval.tool_name === null ? "❓" : "🔐"} <b>${escapeCut(approval.title, TITLE_MAX)}</b>`,
  ];
  const questions = askedQuestions(approval);
  const description = approval.description.trim();
  if (questions) {
    parts.push(questions);
  } else if (description) {
    // Cut before it is rendered too: a 64 kB description is never shown whole.
    const shown = cutText(description, 2 * DESCRIPTION_MAX);
    parts.push(cutHtml(choicesOf(approval) ?? markdownToHtml(shown), DESCRIPTION_MAX, "…"));
  }
  const tool = toolSection(approval.tool_name, approval.tool_input);
  if (tool) parts.push(cutHtml(tool, TOOL_MAX, "\n…"));
  const risky = (approval.risky_options ?? []).filter((o) => approval.options.includes(o));
  if (risky.length > 0) {
    parts.push(`⚠️ Asks you to confirm: ${escapeCut(risky.join(", "), 200)}`);
  }
  return cutHtml(parts.join("\n\n"), APPROVAL_LIMIT, "\n…");
}

const REJECTIONS = /^(deny|denied|reject|rejected|decline|declined|no|cancel|abort|stop)\b/i;

/** The same message once settled: the request, then who answered what, or that it was
 * withdrawn. `who` is plain text, as describeActor gives it. */
export function renderSettled(approval: Approval, who: string, reason?: string): string {
  const request = renderApproval(approval);
  const room = MESSAGE_LIMIT - request.length - 2;
  let line: string;
  if (approval.status === "cancelled") {
    const why = reason?.trim();
    line = why ? `↩️ Withdrawn: ${escapeCut(why, room - 14)}` : "↩️ Withdrawn";
  } else if (approval.status === "resolved") {
    const decision = approval.decision ?? "answered";
    const mark = REJECTIONS.test(decision) ? "❌" : "✅";
    const by = reason?.trim() ? `${who}: ${reason.trim()}` : who;
    line = `${mark} <b>${escapeCut(decision, 200)}</b> — by ${escapeCut(by, room - 220)}`;
  } else {
    return request;
  }
  return `${request}\n\n${line}`;
}

/** Claude's questions reach approvals as a title, options, and a description of
 * `label: description` lines: shown as the choices, each with what it means. */
function choicesOf(approval: Approval): string | undefined {
  if (approval.tool_name !== null || approval.options.length === 0) return undefined;
  const lines = approval.description.split("\n");
  const meant = new Map<string, string>();
  for (const line of lines) {
    const option = approval.options.find((o) => line.startsWith(`${o}:`));
    if (!option) return undefined;
    meant.set(option, line.slice(option.length + 1).trim());
  }
  return approval.options.map((o) => choice(o, meant.get(o))).join("\n");
}

function choice(label: string, meaning: string | undefined): string {
  const what = meaning ? ` — ${escapeCut(meaning, 200)}` : "";
  return `• <b>${escapeCut(label, 100)}</b>${what}`;
}

/** AskUserQuestion's own input, when an agent sends it as the tool: each question with its
 * options and what they mean. */
function askedQuestions(approval: Approval): string | undefined {
  const input = approval.tool_input;
  if (approval.tool_name !== "AskUserQuestion" || !isFields(input)) return undefined;
  if (!Array.isArray(input.questions)) return undefined;
  const out: string[] = [];
  for (const q of input.questions) {
    if (!isFields(q) || !isText(q.question)) return undefined;
    const header = isText(q.header) && q.header.trim() ? `${escapeCut(q.header, 60)}: ` : "";
    const many = q.multiSelect === true ? " <i>(choose any)</i>" : "";
    const options = Array.isArray(q.options) ? q.options.filter(isFields) : [];
    out.push(
      [
        `<b>${header}${escapeCut(q.question, 300)}</b>${many}`,
        ...options.map((o) =>
          choice(isText(o.label) ? o.label : "?", isText(o.description) ? o.description : ""),
        ),
      ].join("\n"),
    );
  }
  return out.length > 0 ? out.join("\n\n") : undefined;
}

/** The tool's input, readably; undefined when there is none. */
function toolSection(tool: string | null, input: unknown): string | undefined {
  if (input === null || input === undefined) return undefined;
  if (tool === "AskUserQuestion") return undefined;
  return (tool !== null && isFields(input) && knownTool(tool, input)) || json(input);
}

function knownTool(tool: string, input: Fields): string | undefined {
  switch (tool) {
    case "Bash":
    case "command":
      return isText(input.command) ? command(input) : undefined;
    case "Edit":
      return isText(input.file_path) && isText(input.old_string) && isText(input.new_string)
        ? [
            path(input.file_path, input.replace_all === true ? "every occurrence" : undefined),
            diffBlock(unifiedLines(diffTexts(input.old_string, input.new_string), DIFF_LINES)),
          ].join("\n")
        : undefined;
    case "MultiEdit":
      return isText(input.file_path) && Array.isArray(input.edits)
        ? multiEdit(input.file_path, input.edits)
        : undefined;
    case "Write":
      return isText(input.file_path) && isText(input.content)
        ? write(input.file_path, input.content)
        : undefined;
    case "apply_patch":
      return Array.isArray(input.changes) ? codexChanges(input.changes) : undefined;
    default:
      return undefined;
  }
}

function command(input: Fields): string {
  const text = shellScript(input.command as string);
  const lines = splitLines(text);
  const shown = lines.length > 20 ? `${lines.slice(0, 20).join("\n")}\n…` : text;
  const parts: string[] = [];
  if (isText(input.description) && input.description.trim()) {
    parts.push(`<i>${escapeCut(input.description.trim(), 300)}</i>`);
  }
  parts.push(codeBlock(cutText(shown, COMMAND_MAX), "bash"));
  if (isText(input.cwd) && input.cwd) parts.push(`in <code>${escapeCut(input.cwd, 200)}</code>`);
  return parts.join("\n");
}

function path(file: string, note?: string): string {
  return `📝 <code>${escapeCut(file, 300)}</code>${note ? ` (${escapeHtml(note)})` : ""}`;
}

function diffBlock(diff: { lines: string[]; omitted: number }): string {
  const body = diff.lines.map((line) => cutText(line, DIFF_LINE_MAX)).join("\n");
  const more = diff.omitted > 0 ? `\n… ${diff.omitted} more changed lines` : "";
  return `${codeBlock(body || "(no change)", "diff")}${more}`;
}

function multiEdit(file: string, edits: unknown[]): string | undefined {
  const lines: string[] = [];
  let omitted = 0;
  for (const [i, edit] of edits.entries()) {
    if (!isFields(edit) || !isText(edit.old_string) || !isText(edit.new_string)) return undefined;
    const room = DIFF_LINES - lines.length - 1;
    const diff = unifiedLines(diffTexts(edit.old_string, edit.new_string), Math.max(0, room));
    if (room <= 0 || diff.lines.length === 0) {
      omitted += diff.omitted + diff.lines.filter((l) => !l.startsWith(" ")).length;
      continue;
    }
    lines.push(`@@ edit ${i + 1} of ${edits.length}`, ...diff.lines);
    omitted += diff.omitted;
  }
  return [path(file), diffBlock({ lines, omitted })].join("\n");
}

function write(file: string, content: string): string {
  const lines = splitLines(content);
  const head = lines.slice(0, WRITE_LINES).map((line) => cutText(line, DIFF_LINE_MAX));
  const more = lines.length > WRITE_LINES ? `\n… ${lines.length - WRITE_LINES} more lines` : "";
  const note = `whole file, ${lines.length} line${lines.length === 1 ? "" : "s"}`;
  return `${path(file, note)}\n${codeBlock(head.join("\n") || "(empty)")}${more}`;
}

/** Codex's changes: `{path, kind: {type, move_path?}, diff}`, where the diff of an added file is
 * its content, of a deleted one the content it had, and of an update a unified diff. */
function codexChanges(changes: unknown[]): string | undefined {
  const out: string[] = [];
  let room = DIFF_LINES;
  for (const change of changes) {
    if (!isFields(change) || !isText(change.path) || !isFields(change.kind)) return undefined;
    const kind = isText(change.kind.type) ? change.kind.type : "update";
    const diff = isText(change.diff) ? change.diff : "";
    const moved = isText(change.kind.move_path) ? `moved to ${change.kind.move_path}` : undefined;
    const note = kind === "add" ? "new file" : kind === "delete" ? "deleted" : moved;
    const sign = kind === "add" ? "+" : kind === "delete" ? "-" : "";
    const body = sign ? splitLines(diff).map((l) => `${sign}${l}`) : unifiedBody(diff);
    const shown = body.slice(0, Math.max(0, room));
    room -= shown.length;
    const omitted = body.length - shown.length;
    out.push(
      shown.length > 0
        ? `${path(change.path, note)}\n${diffBlock({ lines: shown, omitted })}`
        : path(change.path, note),
    );
  }
  return out.length > 0 ? out.join("\n") : undefined;
}

function json(input: unknown): string {
  const text = isText(input) ? input : (JSON.stringify(input, null, 2) ?? String(input));
  return codeBlock(cutText(text, JSON_MAX), isText(input) ? "" : "json");
}
