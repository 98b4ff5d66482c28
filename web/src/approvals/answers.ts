// The answers this device has given, per approval, kept outside the cards: a tap is held for an
// undo window before it is sent, and the hold outlives the card that took it (the inbox and the
// session page show the same approval, and a card is unmounted when the user moves on). A risky
// option is confirmed on the card instead, then sent at once.
import { reactive } from "vue";
import { apiErrorOf } from "../../../src/shared/api-error.js";
import { auth } from "../api/auth-state.js";
import { ApiError, api } from "../api/http.js";
import type { Approval } from "../api/types.js";

/** How long a tap waits before it is sent, unless a test sets window.TETHER_UNDO_MS (tests
 * must not wait five seconds, nor sleep). */
export const UNDO_WINDOW_MS = 5000;

export function undoWindowMs(): number {
  const set = (globalThis as { TETHER_UNDO_MS?: unknown }).TETHER_UNDO_MS;
  return typeof set === "number" && set >= 0 ? set : UNDO_WINDOW_MS;
}

export type AnswerState =
  /** Tapped; sent at `sendAt` unless undone. */
  | { phase: "holding"; option: string; sendAt: number; windowMs: number }
  | { phase: "sending"; option: string }
  /** The approval as the daemon has it after this device's answer, or after someone else's
   * that came first (then `lost` is the option this device did not get to send). */
  | { phase: "done"; approval: Approval; lost: string | null }
  | { phase: "failed"; option: string; message: string };

export const answers = reactive<Record<string, AnswerState>>({});

const timers = new Map<string, ReturnType<typeof setTimeout>>();

/** Holds `option` for the undo window, then sends it once. */
export function answerLater(approvalId: string, option: string): void {
  const windowMs = undoWindowMs();
  cancelTimer(approvalId);
  answers[approvalId] = { phase: "holding", option, sendAt: Date.now() + windowMs, windowMs };
  timers.set(
    approvalId,
    setTimeout(() => void send(approvalId, option), windowMs),
  );
}

/** Sends `option` now: a risky option, confirmed. */
export function answerNow(approvalId: string, option: string): Promise<void> {
  cancelTimer(approvalId);
  return send(approvalId, option);
}

/** Takes back a held answer: nothing was sent, and the card asks again. */
export function undo(approvalId: string): void {
  if (answers[approvalId]?.phase !== "holding") return;
  cancelTimer(approvalId);
  delete answers[approvalId];
}

/** Forgets a failed answer, so the options show again. */
export function dismiss(approvalId: string): void {
  if (answers[approvalId]?.phase === "failed") delete answers[approvalId];
}

/** Answered elsewhere while held here: there is nothing left to send. */
export function overtaken(approvalId: string): void {
  undo(approvalId);
}

function cancelTimer(approvalId: string): void {
  clearTimeout(timers.get(approvalId));
  timers.delete(approvalId);
}

async function send(approvalId: string, option: string, keepalive = false): Promise<void> {
  timers.delete(approvalId);
  answers[approvalId] = { phase: "sending", option };
  try {
    const approval = await resolve(approvalId, option, keepalive);
    answers[approvalId] = { phase: "done", approval, lost: null };
  } catch (e) {
    if (e instanceof ApiError && e.code === "approval_already_resolved") {
      // Someone was first: show who, and what they chose.
      const path = `/api/approvals/${encodeURIComponent(approvalId)}`;
      const approval = await api<Approval>("GET", path).catch(() => undefined);
      if (approval) {
        answers[approvalId] = { phase: "done", approval, lost: option };
        return;
      }
    }
    answers[approvalId] = { phase: "failed", option, message: (e as Error).message };
  }
}

/** POST …/resolve, as api() does it, but able to outlive the page (keepalive). Who answered is
 * recorded from this browser's pairing (web:<device>), not sent. */
async function resolve(approvalId: string, option: string, keepalive: boolean): Promise<Approval> {
  const res = await fetch(`/api/approvals/${encodeURIComponent(approvalId)}/resolve`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ option }),
    keepalive,
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 401) auth.needsToken = true;
  if (!res.ok) throw apiErrorOf(res.status, body);
  return body as Approval;
}

/** A page that goes away (closed, or hidden on a phone, where timers stop) sends what it holds
 * now: the user meant it, and a frozen timer would send it whenever the phone woke up. */
function sendHeldNow(): void {
  for (const [id, state] of Object.entries(answers)) {
    if (state.phase !== "holding") continue;
    cancelTimer(id);
    void send(id, state.option, true);
  }
}

if (typeof window !== "undefined") {
  window.addEventListener("pagehide", sendHeldNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendHeldNow();
  });
}
