// What Tether tells the human, independent of the channel that carries it.
import type { StoredEventOf } from "../core/store.js";

export type NotificationKind = "approval" | "awaiting_input" | "test";

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
}

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
