// A tool's input in mrkdwn, shown for what it is: a command as code, a file edit as a short
// diff, a new file as its first lines, anything else as JSON. Used by approvals (what the agent
// asks to do) and by tool calls in the output (what it does).
import { splitLines } from "../../shared/line-diff.js";
import { cutText } from "../cut-text.js";
import { shellScript } from "../shell-script.js";
import { diffTexts, unifiedBody, unifiedLines } from "../short-diff.js";
import { codeBlock, cutLiteral, inlineCode } from "./render-mrkdwn.js";

const DIFF_LINES = 30;
const DIFF_LINE_MAX = 160;
const COMMAND_LINES = 20;
const COMMAND_MAX = 1200;
const WRITE_LINES = 12;
const JSON_MAX = 1500;

type Fields = Record<string, unknown>;
export const isText = (v: unknown): v is string => typeof v === "string";
export const isFields = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A command to run: its script (without Codex's login-shell wrapper), what it is for, where. */
export interface Command {
  script: string;
  description?: string;
  cwd?: string;
}

/** One file a tool changes: its path line (`path` and a note) and, when known, the change. */
export interface FileChange {
  file: string;
  change?: string;
}

/** The command a Bash (Claude) or command (Codex) input runs; undefined for other tools. */
export function commandOf(tool: string | null, input: unknown): Command | undefined {
  if ((tool !== "Bash" && tool !== "command") || !isFields(input) || !isText(input.command)) {
    return undefined;
  }
  return {
    script: shellScript(input.command),
    ...(isText(input.description) && input.description.trim()
      ? { description: input.description.trim() }
      : {}),
    ...(isText(input.cwd) && input.cwd ? { cwd: input.cwd } : {}),
  };
}

/** A script as a code block of at most 20 lines and about 1200 characters. */
export function scriptBlock(script: string): string {
  const lines = splitLines(script);
  const shown =
    lines.length > COMMAND_LINES ? `${lines.slice(0, COMMAND_LINES).join("\n")}\n…` : script;
  return codeBlock(cutText(shown, COMMAND_MAX));
}

/** The files an edit-like input changes (Edit, MultiEdit, Write, Codex's apply_patch), each with
 * its short diff; undefined for other tools or inputs not of their shape. */
export function fileChangesOf(tool: string | null, input: unknown): FileChange[] | undefined {
  if (!isFields(input)) return undefined;
  switch (tool) {
    case "Edit":
      return isText(input.file_path) && isText(input.old_string) && isText(input.new_string)
        ? [
            {
              file: path(
                input.file_path,
                input.replace_all === true ? "every occurrence" : undefined,
              ),
              change: diffBlock(
                unifiedLines(diffTexts(input.old_string, input.new_string), DIFF_LINES),
              ),
            },
          ]
        : undefined;
    case "MultiEdit":
      return isText(input.file_path) && Array.isArray(input.edits)
        ? multiEdit(input.file_path, input.edits)
        : undefined;
    case "Write":
      return isText(input.file_path) && isText(input.content)
        ? [write(input.file_path, input.content)]
        : undefined;
    case "apply_patch":
      return Array.isArray(input.changes) ? codexChanges(input.changes) : undefined;
    default:
      return undefined;
  }
}

/** A tool's input as an approval shows it: known tools for what they do, others as JSON;
 * undefined when there is no input. */
export function renderToolInput(tool: string | null, input: unknown): string | undefined {
  if (input === null || input === undefined) return undefined;
  const command = commandOf(tool, input);
  if (command) {
    const parts: string[] = [];
    if (command.description) parts.push(`_${cutLiteral(command.description, 300)}_`);
    parts.push(scriptBlock(command.script));
    if (command.cwd) parts.push(`in ${inlineCode(command.cwd, 200)}`);
    return parts.join("\n");
  }
  const files = fileChangesOf(tool, input);
  if (files)
    return files.map((f) => (f.change ? `📝 ${f.file}\n${f.change}` : `📝 ${f.file}`)).join("\n");
  return json(input);
}

function path(file: string, note?: string): string {
  const code = inlineCode(file, 300) || "(no path)";
  return note ? `${code} (${cutLiteral(note, 100)})` : code;
}

function diffBlock(diff: { lines: string[]; omitted: number }): string {
  const body = diff.lines.map((line) => cutText(line, DIFF_LINE_MAX)).join("\n");
  const more = diff.omitted > 0 ? `\n… ${diff.omitted} more changed lines` : "";
  return `${codeBlock(body || "(no change)")}${more}`;
}

function multiEdit(file: string, edits: unknown[]): FileChange[] | undefined {
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
  return [{ file: path(file), change: diffBlock({ lines, omitted }) }];
}

function write(file: string, content: string): FileChange {
  const lines = splitLines(content);
  const head = lines.slice(0, WRITE_LINES).map((line) => cutText(line, DIFF_LINE_MAX));
  const more = lines.length > WRITE_LINES ? `\n… ${lines.length - WRITE_LINES} more lines` : "";
  const note = `whole file, ${lines.length} line${lines.length === 1 ? "" : "s"}`;
  return { file: path(file, note), change: `${codeBlock(head.join("\n") || "(empty)")}${more}` };
}

/** Codex's changes: `{path, kind: {type, move_path?}, diff}`, where the diff of an added file is
 * its content, of a deleted one the content it had, and of an update a unified diff. */
function codexChanges(changes: unknown[]): FileChange[] | undefined {
  const out: FileChange[] = [];
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
        ? { file: path(change.path, note), change: diffBlock({ lines: shown, omitted }) }
        : { file: path(change.path, note) },
    );
  }
  return out.length > 0 ? out : undefined;
}

function json(input: unknown): string {
  const text = isText(input) ? input : (JSON.stringify(input, null, 2) ?? String(input));
  return codeBlock(cutText(text, JSON_MAX));
}
