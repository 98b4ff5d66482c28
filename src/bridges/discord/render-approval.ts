// An approval as a Discord message: the request (its title, what it is about, the tool input
// shown for what it is) and a button per option; once settled, the same request with who
// answered what, and the buttons removed. Each button's custom_id names the approval and the
// option's index (`a:<id>:<i>`), which is all a click needs to be answered.
import type { Approval } from "../../shared/schemas.js";
import { choicesOf, isAllowing, isPlainDecision, isRejection } from "../approval-choices.js";
import { cutText, wellFormed } from "../cut-text.js";
import { questionsOf } from "../tool-input.js";
import { cutDiscord } from "./render-cut.js";
import { cutLiteral, markdownToDiscord } from "./render-markdown.js";
import {
  BUTTON_STYLE,
  type DiscordActionRow,
  type DiscordButton,
  type DiscordMessage,
  FLAGS,
  LIMITS,
  message,
} from "./render-message.js";
import { renderToolInput } from "./render-tool.js";

/** Buttons shown at most: Discord's 5 rows of 5. More options are answered in the web app. */
export const MAX_BUTTONS = LIMITS.rows * LIMITS.buttonsPerRow;
/** The request's content, leaving room for the line renderSettled adds. */
const REQUEST_MAX = 1600;
const OUTCOME_MAX = LIMITS.content - REQUEST_MAX - 2;
const TITLE_MAX = 300;
const ABOUT_MAX = 600;

/** A button's custom_id: the approval and the option's index. */
export function approvalCustomId(approvalId: string, option: number): string {
  return `a:${approvalId}:${option}`;
}

/** The approval and option a button's custom_id names; undefined for any other. */
export function parseApprovalCustomId(
  customId: string,
): { approvalId: string; option: number } | undefined {
  const m = /^a:([^:\s]{1,90}):(\d{1,2})$/.exec(customId);
  return m ? { approvalId: m[1]!, option: Number(m[2]) } : undefined;
}

/** An approval, unanswered: the request and its buttons. */
export function renderApproval(approval: Approval): DiscordMessage {
  const rows = buttons(approval);
  const shown = rows.reduce((n, row) => n + row.components.length, 0);
  const hidden = approval.options.length - shown;
  const request = requestContent(approval);
  const more =
    hidden > 0
      ? `\n-# ${shown > 0 ? `… and ${hidden} more options: ` : ""}answer in the web app`
      : "";
  return message(`${request}${more}`, rows);
}

/** The same message once settled: the request, then who answered what, or that it was withdrawn
 * (and why: "answered at the terminal"); no buttons. `who` is plain text, as describeActor gives
 * it; `reason` is the answer's message, or why it was withdrawn. */
export function renderSettled(approval: Approval, who: string, reason?: string): DiscordMessage {
  const line = outcome(approval, who, reason);
  if (line === undefined) return renderApproval(approval);
  return message(`${requestContent(approval)}\n${line}`, []);
}

/** What a click on a settled approval's button is told, seen only by who clicked. */
export function renderAlreadyAnswered(
  approval: Approval,
  who: string,
  reason?: string,
): DiscordMessage {
  const line = outcome(approval, who, reason) ?? "This is still waiting for an answer.";
  return {
    ...message(cutDiscord(`This was answered already: ${line}`, LIMITS.content)),
    flags: FLAGS.ephemeral | FLAGS.suppressEmbeds,
  };
}

/** The settled line; undefined while the approval is pending. */
function outcome(approval: Approval, who: string, reason?: string): string | undefined {
  const why = reason?.trim();
  if (approval.status === "cancelled") {
    return why ? cutDiscord(`↩️ Withdrawn — ${cutLiteral(why, 500)}`, OUTCOME_MAX) : "↩️ Withdrawn";
  }
  if (approval.status !== "resolved") return undefined;
  const decision = approval.decision?.trim() || "answered";
  const by = cutLiteral(who.trim() || "someone", 200);
  const named = isPlainDecision(decision) ? "" : ` — **${cutLiteral(decision, 200)}**`;
  const line = isRejection(decision)
    ? `❌ Denied by ${by}${named}`
    : isAllowing(decision)
      ? `✅ Approved by ${by}${named}`
      : `✅ **${cutLiteral(decision, 200)}** — answered by ${by}`;
  // The answer's message, quoted under it.
  return cutDiscord(why ? `${line}\n> ${cutLiteral(why, 500)}` : line, OUTCOME_MAX, "…");
}

/** The request: title, what it is about (or the choices), the tool input, the risky options. */
function requestContent(approval: Approval): string {
  const icon = approval.tool_name === null ? "❓" : "🔐";
  const title = approval.title.trim() || "An approval is waiting";
  const parts = [`${icon} **${cutLiteral(title, TITLE_MAX)}**`];
  const about = askedQuestions(approval) ?? choices(approval) ?? description(approval);
  if (about?.trim()) parts.push(cutDiscord(about, ABOUT_MAX, "…"));
  const tool =
    approval.tool_name === "AskUserQuestion"
      ? undefined
      : renderToolInput(approval.tool_name, approval.tool_input);
  if (tool) parts.push(tool);
  const risky = riskyOptions(approval);
  if (risky.length > 0) parts.push(`⚠️ Risky: ${cutLiteral(risky.join(", "), 200)}`);
  return cutDiscord(parts.join("\n"), REQUEST_MAX, "\n…");
}

function riskyOptions(approval: Approval): string[] {
  return (approval.risky_options ?? []).filter((o) => approval.options.includes(o));
}

function description(approval: Approval): string | undefined {
  const text = approval.description.trim();
  // Cut before it is rendered too: a 64 kB description is never shown whole.
  return text ? markdownToDiscord(cutText(text, 2 * ABOUT_MAX)) : undefined;
}

/** Claude's questions, shown as the choices, each with what it means. */
function choices(approval: Approval): string | undefined {
  return choicesOf(approval)
    ?.map((c) => choice(c.label, c.meaning))
    .join("\n");
}

function choice(label: string, meaning: string | undefined): string {
  const what = meaning?.trim() ? ` — ${cutLiteral(meaning.trim(), 200)}` : "";
  return `- **${cutLiteral(label.trim() || "(blank)", 100)}**${what}`;
}

/** AskUserQuestion's own input: each question with its options and what they mean. */
function askedQuestions(approval: Approval): string | undefined {
  return questionsOf(approval.tool_name, approval.tool_input)
    ?.map((q) => {
      const header = q.header ? `${q.header.trim()}: ` : "";
      const asked = `${header}${q.question.trim()}`.trim() || "(no question)";
      const many = q.multiSelect ? " *(choose any)*" : "";
      return [
        `**${cutLiteral(asked, 300)}**${many}`,
        ...q.options.map((o) => choice(o.label, o.description)),
      ].join("\n");
    })
    .join("\n\n");
}

/** A button per option, in rows of 5: the first allow-ish option green, a risky one red, a
 * refusal grey, any other blurple. None when the approval's id cannot fit a custom_id (then it
 * is answered in the web app). */
function buttons(approval: Approval): DiscordActionRow[] {
  if (approvalCustomId(approval.id, MAX_BUTTONS).length > LIMITS.customId) return [];
  if (parseApprovalCustomId(approvalCustomId(approval.id, 0)) === undefined) return [];
  const risky = new Set(riskyOptions(approval));
  const allow = approval.options.findIndex((o) => isAllowing(o.trim()) && !risky.has(o));
  const shown = approval.options.slice(0, MAX_BUTTONS).map(
    (option, i): DiscordButton => ({
      type: 2,
      style: risky.has(option)
        ? BUTTON_STYLE.danger
        : i === allow
          ? BUTTON_STYLE.success
          : isRejection(option.trim())
            ? BUTTON_STYLE.secondary
            : BUTTON_STYLE.primary,
      label:
        cutText(wellFormed(option).replace(/\s+/g, " ").trim(), LIMITS.buttonLabel) || "(blank)",
      custom_id: approvalCustomId(approval.id, i),
    }),
  );
  const rows: DiscordActionRow[] = [];
  for (let i = 0; i < shown.length; i += LIMITS.buttonsPerRow) {
    rows.push({ type: 1, components: shown.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return rows;
}
