// What an approval's tool request is, read from tool_name + tool_input as the adapters and agents
// send them, so a card can show it for what it is: a shell command, file edits as diffs, or (for
// a tool it does not know) the input as JSON. Anything that does not have the expected shape is
// shown as JSON too: the card never guesses.
import type { Approval } from "../api/types.js";
import { type Diff, diffTexts, readUnified, wholeText } from "./line-diff.js";

export interface FileDiff extends Diff {
  path: string;
  /** What happens to the file besides its lines, e.g. "new file". */
  note: string | null;
}

export type ToolView =
  /** No tool: a question, whose choices are the options. */
  | { kind: "none" }
  | { kind: "command"; command: string; cwd: string | null }
  | { kind: "files"; files: FileDiff[] }
  | { kind: "json"; text: string };

type Fields = Record<string, unknown>;

const text = (v: unknown): v is string => typeof v === "string";
const fields = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function toolView(approval: Pick<Approval, "tool_name" | "tool_input">): ToolView {
  const { tool_name: tool, tool_input: input } = approval;
  if (tool === null) return input == null ? { kind: "none" } : json(input);
  return known(tool, input) ?? json(input);
}

function known(tool: string, input: unknown): ToolView | undefined {
  if (!fields(input)) return undefined;
  switch (tool) {
    // Claude Code's shell, and Codex's command approvals.
    case "Bash":
    case "command":
      return text(input.command)
        ? { kind: "command", command: input.command, cwd: text(input.cwd) ? input.cwd : null }
        : undefined;
    case "Edit":
      return text(input.file_path) && text(input.old_string) && text(input.new_string)
        ? files({
            path: input.file_path,
            note: null,
            ...diffTexts(input.old_string, input.new_string),
          })
        : undefined;
    case "MultiEdit":
      return text(input.file_path) && Array.isArray(input.edits)
        ? multiEdit(input.file_path, input.edits)
        : undefined;
    case "Write":
      // The old content is not in the request: the new one is shown whole.
      return text(input.file_path) && text(input.content)
        ? files({ path: input.file_path, note: "whole file", ...wholeText(input.content, "add") })
        : undefined;
    case "apply_patch":
      return Array.isArray(input.changes) ? codexChanges(input.changes) : undefined;
    default:
      return undefined;
  }
}

/** Claude's MultiEdit: the edits one after another, each its own hunk. */
function multiEdit(path: string, edits: unknown[]): ToolView | undefined {
  const file: FileDiff = { path, note: null, rows: [], added: 0, removed: 0, omitted: 0 };
  for (const [i, edit] of edits.entries()) {
    if (!fields(edit) || !text(edit.old_string) || !text(edit.new_string)) return undefined;
    const diff = diffTexts(edit.old_string, edit.new_string);
    file.rows.push({ kind: "hunk", text: `Edit ${i + 1} of ${edits.length}` }, ...diff.rows);
    file.added += diff.added;
    file.removed += diff.removed;
    file.omitted += diff.omitted;
  }
  return files(file);
}

/** Codex's file changes (src/adapters/codex/approvals.ts): `{path, kind: {type}, diff}` each,
 * where the diff of an added file is its content, of a deleted one the content it had, and of
 * an update a unified diff. */
function codexChanges(changes: unknown[]): ToolView | undefined {
  const out: FileDiff[] = [];
  for (const change of changes) {
    if (!fields(change) || !text(change.path) || !fields(change.kind)) return undefined;
    const kind = change.kind.type;
    const diff = text(change.diff) ? change.diff : "";
    if (kind === "add") {
      out.push({ path: change.path, note: "new file", ...wholeText(diff, "add") });
    } else if (kind === "delete") {
      out.push({ path: change.path, note: "deleted", ...wholeText(diff, "del") });
    } else {
      const moved = change.kind.move_path;
      out.push({
        path: change.path,
        note: text(moved) ? `moved to ${moved}` : null,
        ...readUnified(diff),
      });
    }
  }
  return out.length > 0 ? { kind: "files", files: out } : undefined;
}

function files(file: FileDiff): ToolView {
  return { kind: "files", files: [file] };
}

function json(input: unknown): ToolView {
  if (typeof input === "string") return { kind: "json", text: input };
  return { kind: "json", text: JSON.stringify(input, null, 2) ?? String(input) };
}
