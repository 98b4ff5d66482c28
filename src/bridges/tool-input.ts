// A tool's input read for what it is, the same for every chat: the command a shell tool runs,
// the files an edit changes (each with a short diff, or a new file's first lines), the questions
// AskUserQuestion asks, or else the input as JSON. Each bridge writes what this reads in its own
// markup; the texts here are plain and already bounded for a phone.
import { splitLines } from "../shared/line-diff.js";
import { cutText } from "./cut-text.js";
import { shellScript } from "./shell-script.js";
import { diffTexts, unifiedBody, unifiedLines } from "./short-diff.js";

const DIFF_LINES = 30;
const DIFF_LINE_MAX = 160;
const COMMAND_LINES = 20;
const COMMAND_MAX = 1200;
const WRITE_LINES = 12;
const JSON_MAX = 1500;

export type Fields = Record<string, unknown>;
export const isText = (v: unknown): v is string => typeof v === "string";
export const isFields = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A command to run: its script (without Codex's login-shell wrapper), what it is for, where. */
export interface Command {
  script: string;
  description?: string;
  cwd?: string;
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

/** What a code block shows of a script: at most 20 lines and about 1200 characters. */
export function shownScript(script: string): string {
  const lines = splitLines(script);
  const shown =
    lines.length > COMMAND_LINES ? `${lines.slice(0, COMMAND_LINES).join("\n")}\n…` : script;
  return cutText(shown, COMMAND_MAX);
}

/** One file a tool changes: its path, a note on how (`every occurrence`, `new file`, …), and the
 * change, when one is shown. */
export interface FileChange {
  path: string;
  note?: string;
  change?: Code;
}

/** Lines for a code block (each cut, never empty) and what was left out of them, if anything
 * (`… 3 more changed lines`); a diff's lines are a unified diff's, a new file's are its own. */
export interface Code {
  kind: "diff" | "file";
  text: string;
  more?: string;
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
              path: input.file_path,
              ...(input.replace_all === true ? { note: "every occurrence" } : {}),
              change: diffCode(
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

function diffCode(diff: { lines: string[]; omitted: number }): Code {
  const body = diff.lines.map((line) => cutText(line, DIFF_LINE_MAX)).join("\n");
  return {
    kind: "diff",
    text: body || "(no change)",
    ...(diff.omitted > 0 ? { more: `… ${diff.omitted} more changed lines` } : {}),
  };
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
  return [{ path: file, change: diffCode({ lines, omitted }) }];
}

function write(file: string, content: string): FileChange {
  const lines = splitLines(content);
  const head = lines.slice(0, WRITE_LINES).map((line) => cutText(line, DIFF_LINE_MAX));
  const more = lines.length - WRITE_LINES;
  return {
    path: file,
    note: `whole file, ${lines.length} line${lines.length === 1 ? "" : "s"}`,
    change: {
      kind: "file",
      text: head.join("\n") || "(empty)",
      ...(more > 0 ? { more: `… ${more} more lines` } : {}),
    },
  };
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
    out.push({
      path: change.path,
      ...(note ? { note } : {}),
      ...(shown.length > 0 ? { change: diffCode({ lines: shown, omitted }) } : {}),
    });
  }
  return out.length > 0 ? out : undefined;
}

/** One question AskUserQuestion asks, with its options and what they mean (texts as sent). */
export interface Question {
  /** Its short label, when it has one that is not blank. */
  header?: string;
  question: string;
  multiSelect: boolean;
  options: { label: string; description: string }[];
}

/** AskUserQuestion's questions, when an agent sends that tool's own input; undefined for any
 * other tool or input. */
export function questionsOf(tool: string | null, input: unknown): Question[] | undefined {
  if (tool !== "AskUserQuestion" || !isFields(input) || !Array.isArray(input.questions)) {
    return undefined;
  }
  const out: Question[] = [];
  for (const q of input.questions) {
    if (!isFields(q) || !isText(q.question)) return undefined;
    const options = Array.isArray(q.options) ? q.options.filter(isFields) : [];
    out.push({
      ...(isText(q.header) && q.header.trim() ? { header: q.header } : {}),
      question: q.question,
      multiSelect: q.multiSelect === true,
      options: options.map((o) => ({
        label: isText(o.label) ? o.label : "?",
        description: isText(o.description) ? o.description : "",
      })),
    });
  }
  return out.length > 0 ? out : undefined;
}

/** Any other input as text for a code block: a text as it is, anything else as JSON, cut. */
export function inputText(input: unknown): string {
  const text = isText(input) ? input : (JSON.stringify(input, null, 2) ?? String(input));
  return cutText(text, JSON_MAX);
}
