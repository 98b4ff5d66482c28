// A tool's input in Discord Markdown, shown for what it is: a command as a bash code block, a
// file edit as a diff block, a new file as its first lines, anything else as JSON. Used by
// approvals (what the agent asks to do) and by tool calls in the output (what it does). What an
// input holds is read by the bridges' tool-input.ts; this writes it.
import {
  type Code,
  commandOf,
  type FileChange,
  fileChangesOf,
  inputText,
  isText,
  shownScript,
} from "../tool-input.js";
import { codeBlock, cutLiteral, inlineCode } from "./render-markdown.js";

/** A script as a bash code block of at most 20 lines and about 1200 characters. */
export function scriptBlock(script: string): string {
  return codeBlock(shownScript(script), "bash");
}

/** A file change as its path line (the path and a note) and, when shown, the change. */
export function fileLines(change: FileChange): { file: string; change?: string } {
  const path = inlineCode(change.path, 300) || "(no path)";
  const file = change.note ? `${path} (${cutLiteral(change.note, 100)})` : path;
  return change.change ? { file, change: code(change.change) } : { file };
}

/** A tool's input as an approval shows it: known tools for what they do, others as JSON;
 * undefined when there is no input. */
export function renderToolInput(tool: string | null, input: unknown): string | undefined {
  if (input === null || input === undefined) return undefined;
  const command = commandOf(tool, input);
  if (command) {
    const parts: string[] = [];
    if (command.description) parts.push(`*${cutLiteral(command.description, 300)}*`);
    parts.push(scriptBlock(command.script));
    if (command.cwd) parts.push(`in ${inlineCode(command.cwd, 200)}`);
    return parts.join("\n");
  }
  const files = fileChangesOf(tool, input)?.map(fileLines);
  if (files) {
    return files.map((f) => (f.change ? `📝 ${f.file}\n${f.change}` : `📝 ${f.file}`)).join("\n");
  }
  return codeBlock(inputText(input), isText(input) ? "" : "json");
}

/** A diff in a diff block (Discord colours its `+` and `-` lines), a new file's lines plain. */
function code(change: Code): string {
  const block = codeBlock(change.text, change.kind === "diff" ? "diff" : "");
  return change.more ? `${block}\n-# ${change.more}` : block;
}
