// An approval as a Telegram message: the request, with its tool input shown for what it is (a
// command as code, an edit as a short diff, a question with its choices), then, once settled,
// who answered what. Bounded so the settled message still fits in one message.
import type { Approval } from "../../shared/schemas.js";
import { choicesOf, isRejection } from "../approval-choices.js";
import {
  type Code,
  type Command,
  commandOf,
  type FileChange,
  fileChangesOf,
  inputText,
  isText,
  questionsOf,
  shownScript,
} from "../tool-input.js";
import { cutHtml, cutText, escapeCut, escapeHtml, MESSAGE_LIMIT } from "./render-html.js";
import { codeBlock, markdownToHtml } from "./render-markdown.js";

/** An unanswered approval's text, leaving room for the line renderSettled adds. */
export const APPROVAL_LIMIT = 3500;
const TITLE_MAX = 600;
const DESCRIPTION_MAX = 900;
const TOOL_MAX = 2000;

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
    parts.push(cutHtml(choices(approval) ?? markdownToHtml(shown), DESCRIPTION_MAX, "…"));
  }
  const tool = toolSection(approval.tool_name, approval.tool_input);
  if (tool) parts.push(cutHtml(tool, TOOL_MAX, "\n…"));
  const risky = (approval.risky_options ?? []).filter((o) => approval.options.includes(o));
  if (risky.length > 0) {
    parts.push(`⚠️ Asks you to confirm: ${escapeCut(risky.join(", "), 200)}`);
  }
  return cutHtml(parts.join("\n\n"), APPROVAL_LIMIT, "\n…");
}

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
    const mark = isRejection(decision) ? "❌" : "✅";
    const by = reason?.trim() ? `${who}: ${reason.trim()}` : who;
    line = `${mark} <b>${escapeCut(decision, 200)}</b> — by ${escapeCut(by, room - 220)}`;
  } else {
    return request;
  }
  return `${request}\n\n${line}`;
}

/** Claude's questions, shown as the choices, each with what it means. */
function choices(approval: Approval): string | undefined {
  return choicesOf(approval)
    ?.map((c) => choice(c.label, c.meaning))
    .join("\n");
}

function choice(label: string, meaning: string | undefined): string {
  const what = meaning ? ` — ${escapeCut(meaning, 200)}` : "";
  return `• <b>${escapeCut(label, 100)}</b>${what}`;
}

/** AskUserQuestion's own input, when an agent sends it as the tool: each question with its
 * options and what they mean. */
function askedQuestions(approval: Approval): string | undefined {
  const questions = questionsOf(approval.tool_name, approval.tool_input);
  return questions
    ?.map((q) => {
      const header = q.header ? `${escapeCut(q.header, 60)}: ` : "";
      const many = q.multiSelect ? " <i>(choose any)</i>" : "";
      return [
        `<b>${header}${escapeCut(q.question, 300)}</b>${many}`,
        ...q.options.map((o) => choice(o.label, o.description)),
      ].join("\n");
    })
    .join("\n\n");
}

/** The tool's input, readably; undefined when there is none. */
function toolSection(tool: string | null, input: unknown): string | undefined {
  if (input === null || input === undefined) return undefined;
  if (tool === "AskUserQuestion") return undefined;
  const command = commandOf(tool, input);
  if (command) return commandHtml(command);
  const files = fileChangesOf(tool, input);
  if (files) return files.map(fileHtml).join("\n");
  return codeBlock(inputText(input), isText(input) ? "" : "json");
}

function commandHtml(command: Command): string {
  const parts: string[] = [];
  if (command.description) parts.push(`<i>${escapeCut(command.description, 300)}</i>`);
  parts.push(codeBlock(shownScript(command.script), "bash"));
  if (command.cwd) parts.push(`in <code>${escapeCut(command.cwd, 200)}</code>`);
  return parts.join("\n");
}

/** A file's path line (the path and a note) and, when shown, its change. */
function fileHtml(file: FileChange): string {
  const note = file.note ? ` (${escapeHtml(file.note)})` : "";
  const line = `📝 <code>${escapeCut(file.path, 300)}</code>${note}`;
  return file.change ? `${line}\n${code(file.change)}` : line;
}

function code(change: Code): string {
  const block = codeBlock(change.text, change.kind === "diff" ? "diff" : "");
  return change.more ? `${block}\n${change.more}` : block;
}
