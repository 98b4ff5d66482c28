// How Tether's events look in Slack: pure functions from sessions, events and approvals to
// messages (Block Kit blocks and their fallback text), each within Slack's limits as it is
// (render-check.ts says so, and the tests hold every renderer to it). The bridge decides when to
// send what; these only decide how it reads. Larger parts live in render-*.ts.
import type { Session, SessionState } from "../../shared/schemas.js";
import { shortIcon } from "../agent-icon.js";
import { wellFormed } from "../cut-text.js";
import { STATE_LABELS } from "../session-states.js";
import {
  context,
  LIMITS,
  mrkdwn,
  plain,
  type SlackBlock,
  type SlackMessage,
  section,
} from "./render-blocks.js";
import { splitMrkdwn } from "./render-cut.js";
import { cutLiteral, escapeMrkdwn, inlineCode } from "./render-mrkdwn.js";

export { describeActor } from "../actor-label.js";
export {
  approvalActionId,
  MAX_BUTTONS,
  parseApprovalAction,
  renderAlreadyAnswered,
  renderApproval,
  renderSettled,
} from "./render-approval.js";
export {
  appendOutputs,
  batchOutputs,
  blockChars,
  FALLBACK_MAX,
  OUTPUT_MESSAGE_CHARS,
  type OutputBatch,
} from "./render-batch.js";
export * from "./render-blocks.js";
export { checkMessage } from "./render-check.js";
export { cutMrkdwn, splitMrkdwn } from "./render-cut.js";
export {
  codeBlock,
  cutLiteral,
  escapeMrkdwn,
  inlineCode,
  literalMrkdwn,
  markdownToMrkdwn,
} from "./render-mrkdwn.js";
export { OUTPUT_FULL_MAX, type RenderedOutput, renderOutput } from "./render-output.js";

/** A session's name on one line, never empty. */
export function sessionName(name: string): string {
  return wellFormed(name).replace(/\s+/g, " ").trim() || "Session";
}

/**
 * The parent message of a session's thread: its name, agent, directory and state, and a link to
 * it in the web app when there is one. Sent when the thread starts and edited as the state
 * changes; the output goes in the thread under it.
 */
export function renderParent(session: Session, link?: string): SlackMessage {
  const icon = shortIcon(session.agent.icon) ?? "🤖";
  const name = sessionName(session.name);
  const agent =
    session.agent.name && session.agent.name !== session.kind
      ? `${cutLiteral(session.agent.name, 200)} (${cutLiteral(session.kind, 100)})`
      : cutLiteral(session.kind || "agent", 100);
  const state = STATE_LABELS[session.state];
  const directory = session.directory ?? session.agent.workspace;
  const fields = [mrkdwn(`*Agent*\n${agent}`), mrkdwn(`*State*\n${state}`)];
  const path = directory ? inlineCode(directory, 1000) : "";
  if (path) fields.push(mrkdwn(`*Directory*\n${path}`));
  const blocks: SlackBlock[] = [
    { type: "header", text: plain(`${icon} ${name}`, LIMITS.headerText) },
    { type: "section", fields },
  ];
  const failure = session.state === "error" ? session.error?.trim() : undefined;
  if (failure) blocks.push(section(`⚠️ ${cutLiteral(failure, 1000)}`));
  if (link && isWebLink(link)) {
    blocks.push(context(`<${escapeMrkdwn(link)}|Open in Tether>`));
  }
  return { text: `${icon} ${cutLiteral(name, 300)} — ${state}`, blocks };
}

/** Only a web address becomes a link, and one short enough to be one (escaped, too). */
function isWebLink(link: string): boolean {
  return /^https?:\/\/[^\s<>"|]+$/i.test(link) && escapeMrkdwn(link).length <= 2000;
}

/** Room for a human's text: more than a section, so a pasted log is seen, not the whole of it. */
const HUMAN_TEXT_MAX = 12_000;

/** A message typed elsewhere (web, CLI, API) as shown in the thread: "who: text". `who` is plain
 * text, as describeActor gives it; the text is shown as it was typed. */
export function renderHumanInput(text: string, who: string): SlackMessage {
  const by = cutLiteral(who.trim() || "someone", 200);
  const said = `💬 *${by}*: ${cutLiteral(text, HUMAN_TEXT_MAX)}`;
  return {
    text: `${by}: ${cutLiteral(text, 300)}`,
    blocks: splitMrkdwn(said, LIMITS.sectionText).map(section),
  };
}

/** A line for the state changes worth one in the thread; undefined for the others (running,
 * interrupting, created: the output and the parent message say those). */
export function renderState(data: {
  from: SessionState | null;
  to: SessionState;
  reason?: string;
}): SlackMessage | undefined {
  if (data.from === data.to) return undefined;
  switch (data.to) {
    case "awaiting_input":
      return line("⏳ Waiting for you");
    case "done":
      return line("🏁 Session ended");
    case "error": {
      const reason = data.reason?.trim();
      return line(`⚠️ ${reason ? cutLiteral(reason, 1000) : "The session failed"}`);
    }
    default:
      return undefined;
  }
}

/** An interrupt by someone (`who` plain text, as describeActor gives it). */
export function renderInterrupt(who: string): SlackMessage {
  return line(`⏹ Interrupted by *${cutLiteral(who.trim() || "someone", 200)}*`);
}

/** A one-line message: a context line, the same as its text. */
function line(text: string): SlackMessage {
  return { text, blocks: [context(text)] };
}
