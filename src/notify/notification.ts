// What Tether tells the human, independent of the channel that carries it.
import type { StoredEventOf } from "../core/store.js";

/** `resolved` is no news for the human: it withdraws an approval's notification (answered
 * elsewhere, or no longer needed), where the channel can. */
export type NotificationKind = "approval" | "awaiting_input" | "test" | "resolved";

export interface TetherNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  sessionId: string | null;
  approvalId: string | null;
  /** Where tapping it leads, relative to the web app: `/#/sessions/<id>`. */
  path: string;
  /** One notification per thing: a newer one with the same tag replaces the older on the phone. */
  tag: string;
  /** The options a notification offers as buttons, answered without opening the app: the
   * approval's first ones (phones show two), empty for other kinds. */
  answers: readonly string[];
  /** Whether it offers a quick reply (awaiting input), where the platform has one. */
  reply: boolean;
}

/** Buttons a notification can carry besides its body: Chrome shows two (Notification.maxActions),
 * ntfy three, of which one is "Open". */
export const MAX_ANSWERS = 2;

const TITLE_MAX = 120;
const BODY_MAX = 240;

/** One line of at most `max` characters. */
export function preview(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** The end of `text`, on one line of at most `max` characters: what the agent said last. */
export function tailPreview(text: string, max: number): string {
  const line = text
    .slice(-4 * max)
    .replace(/\s+/g, " ")
    .trim();
  return line.length <= max ? line : `…${line.slice(line.length - max + 1).trimStart()}`;
}

export function sessionPath(sessionId: string): string {
  return `/#/sessions/${encodeURIComponent(sessionId)}`;
}

export function approvalNotification(
  event: StoredEventOf<"approval_request">,
  sessionName: string,
): TetherNotification {
  const { id, title, description, options } = event.data;
  const about = preview(description, BODY_MAX - 60);
  const choose = options.length > 0 ? `Options: ${options.join(" / ")}` : "";
  return {
    kind: "approval",
    title: preview(`${sessionName}: ${title}`, TITLE_MAX),
    body: preview([about, choose].filter(Boolean).join(" — "), BODY_MAX) || "Needs your answer",
    sessionId: event.session_id,
    approvalId: id,
    path: sessionPath(event.session_id),
    tag: `approval-${id}`,
    answers: answerable(event.data),
    reply: false,
  };
}

/** The options one tap on a notification may choose: the first two that are not risky. A risky
 * option (risky_options) asks the app's card for a confirm step, which a notification button
 * cannot give, so it is only ever answered in the app. */
export function answerable(approval: StoredEventOf<"approval_request">["data"]): string[] {
  // Absent from approvals asked before risky options existed.
  const refused = new Set(approval.risky_options ?? []);
  return approval.options.filter((o) => !refused.has(o)).slice(0, MAX_ANSWERS);
}

/** The approval `asked` was answered (or withdrawn): what replaces its notification where one
 * must be shown, and what a channel that can update or close it needs. */
export function resolvedNotification(
  asked: TetherNotification,
  event: StoredEventOf<"approval_resolved">,
): TetherNotification {
  const { data } = event;
  const outcome =
    data.status === "resolved"
      ? `Answered ${data.option} (${data.decided_by})`
      : `No longer needed: ${data.reason}`;
  return {
    ...asked,
    kind: "resolved",
    body: preview(outcome, BODY_MAX),
    answers: [],
    reply: false,
  };
}

export function awaitingInputNotification(
  event: StoredEventOf<"state">,
  sessionName: string,
  lastOutput: string | undefined,
): TetherNotification {
  const reason = event.data.reason ?? "";
  return {
    kind: "awaiting_input",
    title: preview(`${sessionName} is waiting for you`, TITLE_MAX),
    body: preview(lastOutput || reason || "The agent finished its turn", BODY_MAX),
    sessionId: event.session_id,
    approvalId: null,
    path: sessionPath(event.session_id),
    tag: `waiting-${event.session_id}`,
    answers: [],
    reply: true,
  };
}

export function testNotification(): TetherNotification {
  return {
    kind: "test",
    title: "Tether notifications work",
    body: "You will hear from Tether here when an agent needs you.",
    sessionId: null,
    approvalId: null,
    path: "/",
    tag: "test",
    answers: [],
    reply: false,
  };
}

/** The origin of a URL, the only part of a push endpoint or ntfy URL fit for logs: the rest is
 * a capability (whoever has it can send to that device or read that topic). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
