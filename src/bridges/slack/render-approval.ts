// An approval as a Slack message: the request (its title, what it is about, the tool input shown
// for what it is) and a button per option; once settled, the same request with who answered what
// in place of the buttons. Each button's action_id (and value) names the approval and the
// option's index, which is all a click needs to be answered.
import type { Approval } from "../../shared/schemas.js";
import { choicesOf, isAllowing, isPlainDecision, isRejection } from "../approval-choices.js";
import { cutText } from "../cut-text.js";
import { questionsOf } from "../tool-input.js";
import {
  type ActionsBlock,
  type ButtonElement,
  context,
  LIMITS,
  mrkdwn,
  plain,
  type SlackBlock,
  type SlackMessage,
  section,
} from "./render-blocks.js";
import { cutMrkdwn } from "./render-cut.js";
import { cutLiteral, markdownToMrkdwn } from "./render-mrkdwn.js";
import { renderToolInput } from "./render-tool.js";

/** A title within its bound (500 characters) is never cut, however much mrkdwn escapes it
 * (`&` becomes `&amp;`): the cut only keeps the section under Slack's limit. */
const TITLE_MAX = LIMITS.sectionText - 10;
const DESCRIPTION_MAX = 1500;
const TOOL_MAX = LIMITS.sectionText;
const OUTCOME_MAX = LIMITS.sectionText;
/** Buttons shown at most: four rows of Slack's 25. More options than that are answered in the
 * web app (no agent asks that many). */
export const MAX_BUTTONS = 100;

/** A button's action_id (and value): the approval and the option's index, well under 255. */
export function approvalActionId(approvalId: string, option: number): string {
  return `a:${approvalId}:${option}`;
}

/** The approval and option a button's action_id names; undefined for any other action. */
export function parseApprovalAction(
  actionId: string,
): { approvalId: string; option: number } | undefined {
  const m = /^a:([^:\s]{1,200}):(\d{1,4})$/.exec(actionId);
  return m ? { approvalId: m[1]!, option: Number(m[2]) } : undefined;
}

/** An approval, unanswered: the request and its buttons. */
export function renderApproval(approval: Approval): SlackMessage {
  const blocks = [...requestBlocks(approval), ...buttons(approval)];
  const icon = approval.tool_name === null ? "❓" : "🔐";
  return { text: `${icon} ${fallbackTitle(approval)}`, blocks };
}

/** The same message once settled: the request, then who answered what, or that it was
 * withdrawn (and why); the buttons are gone. `who` is plain text, as describeActor gives it;
 * `reason` is the answer's message, or why it was withdrawn. */
export function renderSettled(approval: Approval, who: string, reason?: string): SlackMessage {
  const line = outcome(approval, who, reason);
  if (line === undefined) return renderApproval(approval);
  const first = line.split("\n", 1)[0]!;
  return {
    text: `${first} — ${fallbackTitle(approval)}`,
    blocks: [...requestBlocks(approval), section(line)],
  };
}

/** What a click on a settled approval's button is told (ephemerally): who answered already. */
export function renderAlreadyAnswered(
  approval: Approval,
  who: string,
  reason?: string,
): SlackMessage {
  const line = outcome(approval, who, reason) ?? "This is still waiting for an answer.";
  const said = `This was answered already: ${line}`;
  return {
    text: cutMrkdwn(said, 300, "…"),
    blocks: [section(cutMrkdwn(said, LIMITS.sectionText, "…"))],
  };
}

function fallbackTitle(approval: Approval): string {
  return cutLiteral(approval.title.trim() || "An approval is waiting", 300);
}

/** The settled line; undefined while the approval is pending. */
function outcome(approval: Approval, who: string, reason?: string): string | undefined {
  const why = reason?.trim();
  if (approval.status === "cancelled") {
    return why ? `↩️ Withdrawn: ${cutLiteral(why, 1000)}` : "↩️ Withdrawn";
  }
  if (approval.status !== "resolved") return undefined;
  const decision = approval.decision?.trim() || "answered";
  const by = cutLiteral(who.trim() || "someone", 300);
  const named = isPlainDecision(decision) ? "" : ` — *${cutLiteral(decision, 200)}*`;
  const line = isRejection(decision)
    ? `❌ Denied by ${by}${named}`
    : isAllowing(decision)
      ? `✅ Approved by ${by}${named}`
      : `✅ *${cutLiteral(decision, 200)}* — answered by ${by}`;
  // The answer's message, quoted under it.
  return cutMrkdwn(why ? `${line}\n> ${cutLiteral(why, 1500)}` : line, OUTCOME_MAX, "…");
}

/** The request: title, what it is about (or the choices), and the tool input. */
function requestBlocks(approval: Approval): SlackBlock[] {
  const icon = approval.tool_name === null ? "❓" : "🔐";
  const title = approval.title.trim() || "An approval is waiting";
  const blocks: SlackBlock[] = [section(`${icon} *${cutLiteral(title, TITLE_MAX)}*`)];
  const about = askedQuestions(approval) ?? choices(approval) ?? description(approval);
  if (about?.trim()) blocks.push(section(cutMrkdwn(about, DESCRIPTION_MAX, "…")));
  const tool =
    approval.tool_name === "AskUserQuestion"
      ? undefined
      : renderToolInput(approval.tool_name, approval.tool_input);
  if (tool) blocks.push(section(cutMrkdwn(tool, TOOL_MAX, "\n…")));
  return blocks;
}

function description(approval: Approval): string | undefined {
  const text = approval.description.trim();
  // Cut before it is rendered too: a 64 kB description is never shown whole.
  return text ? markdownToMrkdwn(cutText(text, 2 * DESCRIPTION_MAX)) : undefined;
}

/** Claude's questions, shown as the choices, each with what it means. */
function choices(approval: Approval): string | undefined {
  return choicesOf(approval)
    ?.map((c) => choice(c.label, c.meaning))
    .join("\n");
}

function choice(label: string, meaning: string | undefined): string {
  const what = meaning?.trim() ? ` — ${cutLiteral(meaning.trim(), 200)}` : "";
  return `• *${cutLiteral(label.trim() || "(blank)", 100)}*${what}`;
}

/** AskUserQuestion's own input, when an agent sends it as the tool: each question with its
 * options and what they mean. */
function askedQuestions(approval: Approval): string | undefined {
  const questions = questionsOf(approval.tool_name, approval.tool_input);
  return questions
    ?.map((q) => {
      const header = q.header ? `${q.header.trim()}: ` : "";
      const asked = `${header}${q.question.trim()}`.trim() || "(no question)";
      const many = q.multiSelect ? " _(choose any)_" : "";
      return [
        `*${cutLiteral(asked, 360)}*${many}`,
        ...q.options.map((o) => choice(o.label, o.description)),
      ].join("\n");
    })
    .join("\n\n");
}

/** A button per option, in rows of Slack's 25. The first allow-ish option is green; a risky one
 * (a force-push, a deletion) is red and asks to be confirmed first. */
function buttons(approval: Approval): SlackBlock[] {
  const risky = new Set(approval.risky_options ?? []);
  const primary = approval.options.findIndex((o) => isAllowing(o.trim()) && !risky.has(o));
  const shown = approval.options.slice(0, MAX_BUTTONS).map((option, i): ButtonElement => {
    const id = approvalActionId(approval.id, i);
    const button: ButtonElement = {
      type: "button",
      text: plain(option, LIMITS.buttonText, "(blank)"),
      action_id: id,
      value: id,
    };
    if (risky.has(option)) {
      button.style = "danger";
      button.confirm = {
        title: plain("Are you sure?", LIMITS.confirmTitle),
        text: mrkdwn(
          `Answer *${cutLiteral(option.trim() || "(blank)", 80)}* to: ${cutLiteral(approval.title.trim() || "this approval", 180)}`,
        ),
        confirm: plain(option, LIMITS.confirmButton, "Yes"),
        deny: plain("Cancel", LIMITS.confirmButton),
        style: "danger",
      };
    } else if (i === primary) {
      button.style = "primary";
    }
    return button;
  });
  const rows: SlackBlock[] = [];
  for (let i = 0; i < shown.length; i += LIMITS.actionsElements) {
    const row: ActionsBlock = {
      type: "actions",
      elements: shown.slice(i, i + LIMITS.actionsElements),
    };
    rows.push(row);
  }
  const hidden = approval.options.length - shown.length;
  if (hidden > 0) rows.push(context(`… and ${hidden} more options: answer in the web app`));
  return rows;
}
