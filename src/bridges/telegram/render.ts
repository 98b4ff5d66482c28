// How Tether's events look in Telegram: pure functions from events, sessions and approvals to
// the HTML of parse_mode "HTML", each safe to send as it is (it parses, it fits). The bridge
// decides when to send what; these only decide how it reads. Larger parts live in render-*.ts.
import type { Session, SessionState } from "../../shared/schemas.js";
import { shortIcon } from "../agent-icon.js";
import { cutText, escapeCut, escapeHtml, wellFormed } from "./render-html.js";

export { describeActor } from "../actor-label.js";
export { APPROVAL_LIMIT, renderApproval, renderSettled } from "./render-approval.js";
export {
  CAPTION_LIMIT,
  cutHtml,
  cutText,
  escapeCut,
  escapeHtml,
  MESSAGE_LIMIT,
} from "./render-html.js";
export { markdownToHtml } from "./render-markdown.js";
export { OUTPUT_FULL_MAX, type RenderedOutput, renderOutput } from "./render-output.js";

/** Telegram's bound on a forum topic's name. */
const TOPIC_NAME_MAX = 128;

/** A topic's name from a session's name: one line of 1–128 characters, never empty. */
export function topicName(name: string): string {
  const line = wellFormed(name).replace(/\s+/g, " ").trim();
  return line ? cutText(line, TOPIC_NAME_MAX) : "Session";
}

/** The pinned first message of a session's topic: what runs there, where, and a link to it. */
export function renderHeader(session: Session, link?: string): string {
  const icon = shortIcon(session.agent.icon) ?? "🤖";
  const agent =
    session.agent.name && session.agent.name !== session.kind
      ? `${escapeCut(session.agent.name, 200)} (${escapeCut(session.kind, 100)})`
      : escapeCut(session.kind, 100);
  const directory = session.directory ?? session.agent.workspace;
  const lines = [`${icon} <b>${escapeCut(topicName(session.name), 300)}</b>`, `Agent: ${agent}`];
  if (directory) lines.push(`📁 <code>${escapeCut(directory, 1000)}</code>`);
  if (link && /^https?:\/\/[^\s<>"]+$/i.test(link) && link.length <= 2000) {
    lines.push(`<a href="${escapeHtml(link)}">Open in Tether</a>`);
  }
  return lines.join("\n");
}

/** Room for a human's text in one message, besides who typed it. */
const HUMAN_TEXT_MAX = 3500;

/** A message typed elsewhere (web, CLI, API) as shown in the topic. `who` is plain text. */
export function renderHumanInput(text: string, who: string): string {
  return `💬 <b>${escapeCut(who, 200)}</b>: ${escapeCut(text, HUMAN_TEXT_MAX)}`;
}

/** A line for the state changes worth one on a phone; undefined for the others (running,
 * interrupting, created: the output and the typing indicator say those). */
export function renderState(data: {
  from: SessionState | null;
  to: SessionState;
  reason?: string;
}): string | undefined {
  if (data.from === data.to) return undefined;
  switch (data.to) {
    case "awaiting_input":
      return "⏳ Waiting for you";
    case "done":
      return "🏁 Session ended";
    case "error": {
      const reason = data.reason?.trim();
      return `⚠️ ${reason ? escapeCut(reason, 1000) : "The session failed"}`;
    }
    default:
      return undefined;
  }
}

/** An interrupt by someone (`who` plain text, as describeActor gives it). */
export function renderInterrupt(who: string): string {
  return `⏹ Interrupted by <b>${escapeCut(who, 200)}</b>`;
}
