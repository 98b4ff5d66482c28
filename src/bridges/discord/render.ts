// How Tether's events read in Discord: pure functions from sessions, events and approvals to
// messages (content, buttons, allowed_mentions that ping no one), each within Discord's limits as
// it is (render-check.ts says so, and the tests hold every renderer to it). The bridge decides
// when to send what; these only decide how it reads. Larger parts live in render-*.ts.
import type { Session, SessionState } from "../../shared/schemas.js";
import { shortIcon } from "../agent-icon.js";
import { cutText, wellFormed } from "../cut-text.js";
import { STATE_LABELS } from "../session-states.js";
import { cutDiscord, splitDiscord } from "./render-cut.js";
import { cutLiteral, inlineCode } from "./render-markdown.js";
import { type DiscordMessage, LIMITS, message } from "./render-message.js";

export { describeActor } from "../actor-label.js";
export {
  approvalCustomId,
  MAX_BUTTONS,
  parseApprovalCustomId,
  renderAlreadyAnswered,
  renderApproval,
  renderSettled,
} from "./render-approval.js";
export { appendOutputs, batchOutputs, type OutputBatch } from "./render-batch.js";
export { checkMessage } from "./render-check.js";
export { cutDiscord, splitDiscord } from "./render-cut.js";
export {
  codeBlock,
  cutLiteral,
  escapeDiscord,
  inlineCode,
  markdownToDiscord,
} from "./render-markdown.js";
export * from "./render-message.js";
export { OUTPUT_FULL_MAX, type RenderedOutput, renderOutput } from "./render-output.js";

/** A thread's name from a session's name: one line of 1–100 characters, never empty. Discord
 * shows names as they are (no Markdown), so nothing is escaped. */
export function threadName(name: string): string {
  const line = wellFormed(name).replace(/\s+/g, " ").trim();
  return line ? cutText(line, LIMITS.threadName) : "Session";
}

/**
 * The starter message of a session's thread: its name, agent, directory and state, and a link
 * to it in the web app when there is one. Sent when the thread starts and edited as the state
 * changes; the output goes in the thread under it.
 */
export function renderStarter(session: Session, link?: string): DiscordMessage {
  const icon = shortIcon(session.agent.icon) ?? "🤖";
  const agent =
    session.agent.name && session.agent.name !== session.kind
      ? `${cutLiteral(session.agent.name, 200)} (${cutLiteral(session.kind, 100)})`
      : cutLiteral(session.kind || "agent", 100);
  const lines = [
    `${icon} **${cutLiteral(threadName(session.name), 300)}**`,
    `**Agent:** ${agent}`,
    `**State:** ${STATE_LABELS[session.state]}`,
  ];
  const directory = session.directory ?? session.agent.workspace;
  const path = directory ? inlineCode(directory, 600) : "";
  if (path) lines.push(`📁 ${path}`);
  const failure = session.state === "error" ? session.error?.trim() : undefined;
  if (failure) lines.push(`⚠️ ${cutLiteral(failure, 500)}`);
  if (link && isWebLink(link)) lines.push(`[Open in Tether](${link})`);
  return message(lines.join("\n"));
}

/** Only a web address becomes a link, and one short enough, that ends the link where it ends. */
function isWebLink(link: string): boolean {
  return /^https?:\/\/[^\s<>()"`|\\[\]]+$/i.test(link) && link.length <= 200;
}

/** A message typed elsewhere (web, CLI, API) as shown in the thread: "who: text", shown as it
 * was typed (escaped), in as many messages as it needs (at most three; the web app has it all).
 * `who` is plain text, as describeActor gives it. */
export function renderHumanInput(text: string, who: string): DiscordMessage[] {
  const by = cutLiteral(who.trim() || "someone", 200);
  const said = `💬 **${by}**: ${cutLiteral(text, 3 * LIMITS.content)}`;
  const pieces = splitDiscord(said, LIMITS.content, 3);
  return pieces.map((piece) => message(piece));
}

/** A line for the state changes worth one in the thread; undefined for the others (running,
 * interrupting, created: the output and the starter message say those). */
export function renderState(data: {
  from: SessionState | null;
  to: SessionState;
  reason?: string;
}): DiscordMessage | undefined {
  if (data.from === data.to) return undefined;
  switch (data.to) {
    case "awaiting_input":
      return message("⏳ Waiting for you");
    case "done":
      return message("🏁 Session ended");
    case "error": {
      const reason = data.reason?.trim();
      return message(
        cutDiscord(`⚠️ ${reason ? cutLiteral(reason, 1500) : "The session failed"}`, LIMITS.content),
      );
    }
    default:
      return undefined;
  }
}

/** An interrupt by someone (`who` plain text, as describeActor gives it). */
export function renderInterrupt(who: string): DiscordMessage {
  return message(`⏹ Interrupted by **${cutLiteral(who.trim() || "someone", 200)}**`);
}
