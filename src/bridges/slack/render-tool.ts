// A tool's input in mrkdwn, shown for what it is: a command as code, a file edit as a short
// diff, a new file as its first lines, anything else as JSON. Used by approvals (what the agent
// asks to do) and by tool calls in the output (what it does). What an input holds is read by
// the bridges' tool-input.ts; this writes it.
import {
  type Code,
  commandOf,
  type FileChange,
  fileChangesOf,
  inputText,
  shownScript,
} from "../tool-input.js";
import { codeBlock, cutLiteral, inlineCode } from "./render-mrkdwn.js";

/** A script as a code block of at most 20 lines and about 1200 characters. */
export function scriptBlock(script: string): string {
  return codeBlock(shownScript(script));
}

/** A file change as its path line (the path and a note) and, when shown, the change. */
export function fileMrkdwn(change: FileChange): { file: string; change?: string } {
  const file = path(change.path, change.note);
  return change.change ? { file, change: code(change.change) } : { file };
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
  const files = fileChangesOf(tool, input)?.map(fileMrkdwn);
  if (files)
    return files.map((f) => (f.change ? `📝 ${f.file}\n${f.change}` : `📝 ${f.file}`)).join("\n");
  return codeBlock(inputText(input));
}

function path(file: string, note?: string): string {
  const code = inlineCode(file, 300) || "(no path)";
  return note ? `${code} (${cutLiteral(note, 100)})` : code;
}

/** Slack shows no language on a code block, so a diff and a file's lines look alike. */
function code(change: Code): string {
  return `${codeBlock(change.text)}${change.more ? `\n${change.more}` : ""}`;
}
