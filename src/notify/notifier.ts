// Turns committed events into notifications: one per approval request that waits for the human,
// one per move to awaiting_input; nothing for plain output, nor for a request a session rule
// answered (it is committed already resolved, so no timer is needed to stay silent). When an
// approval it notified is answered (through any door) or withdrawn, it sends a `resolved`
// notification, so the channels can close the question on the phone. Runs as a bus subscriber
// whose deliver() only looks at the event and hands work to the channels' queue, so the
// engine never waits on a push service.
import type { Bus } from "../bus/bus.js";
import type { StoredEvent, StoredEventOf } from "../core/store.js";
import {
  approvalNotification,
  awaitingInputNotification,
  resolvedNotification,
  type TetherNotification,
  tailPreview,
} from "./notification.js";

const WATCHED: ReadonlySet<string> = new Set([
  "approval_request",
  "approval_resolved",
  "state",
  "output",
]);
/** Events remembered as notified, against a second notification for one event. */
const SEEN_MAX = 10_000;
/** Approvals notified and not yet answered, remembered to close their notification later. Past
 * this many the oldest is forgotten (its notification then stays until tapped or replaced). */
const ASKED_MAX = 1000;
const LAST_OUTPUT_MAX = 300;

export interface NotifierOptions {
  bus: Bus;
  /** The session's display name; undefined once it is deleted. */
  sessionName(sessionId: string): string | undefined;
  /** Hands a notification to every channel. Must not block. */
  dispatch(n: TetherNotification): void;
}

export class Notifier {
  private unsubscribe: (() => void) | undefined;
  /** session_id:seq of events already notified, oldest first. */
  private readonly seen = new Set<string>();
  /** The latest text output per session, already shortened: the awaiting_input preview. */
  private readonly lastOutput = new Map<string, string>();
  /** The notification sent for each approval still waiting, by approval id, oldest first. */
  private readonly asked = new Map<string, TetherNotification>();

  constructor(private readonly options: NotifierOptions) {}

  start(): void {
    this.unsubscribe ??= this.options.bus.subscribe({
      name: "notifier",
      types: WATCHED,
      deliver: (event) => {
        this.onEvent(event);
        return true;
      },
      cutOff: () => {
        // Never refuses a delivery, so never cut off.
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onEvent(event: StoredEvent): void {
    if (event.type === "output") this.rememberOutput(event);
    else if (event.type === "approval_request") this.onApproval(event);
    else if (event.type === "approval_resolved") this.onResolved(event);
    else if (event.type === "state") this.onState(event);
  }

  private onApproval(event: StoredEventOf<"approval_request">): void {
    // Answered in the commit that recorded it (by a session rule): nobody needs to hear of it.
    if (event.data.status !== "pending") return;
    const name = this.options.sessionName(event.session_id);
    if (name === undefined || !this.firstTime(event)) return;
    const n = approvalNotification(event, name);
    this.asked.set(event.data.id, n);
    if (this.asked.size > ASKED_MAX) {
      const oldest = this.asked.keys().next().value;
      if (oldest !== undefined) this.asked.delete(oldest);
    }
    this.options.dispatch(n);
  }

  private onResolved(event: StoredEventOf<"approval_resolved">): void {
    const asked = this.asked.get(event.data.request_id);
    if (asked === undefined) return;
    this.asked.delete(event.data.request_id);
    this.options.dispatch(resolvedNotification(asked, event));
  }

  private onState(event: StoredEventOf<"state">): void {
    const { from, to } = event.data;
    if (to === "done") this.lastOutput.delete(event.session_id);
    // Stopping a turn on request also lands in awaiting_input; the human asked for it.
    if (to !== "awaiting_input" || from === "interrupting") return;
    const name = this.options.sessionName(event.session_id);
    if (name === undefined || !this.firstTime(event)) return;
    this.options.dispatch(
      awaitingInputNotification(event, name, this.lastOutput.get(event.session_id)),
    );
  }

  private rememberOutput(event: StoredEventOf<"output">): void {
    const { text, kind } = event.data;
    if (kind !== undefined && kind !== "text") return;
    if (text.trim() === "") return;
    // Only the end is kept, shortened now, so the map stays small however much is said.
    this.lastOutput.set(event.session_id, tailPreview(text, LAST_OUTPUT_MAX));
  }

  /** True the first time an event is seen: a notification is never sent twice for one event. */
  private firstTime(event: StoredEvent): boolean {
    const key = `${event.session_id}:${event.seq}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > SEEN_MAX) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
