// Waits for what a terminal session's human says through Tether (the web app, a bridge, the CLI)
// while the agent's Stop hook holds the end of its turn: the messages queued for the agent, in
// order. The queue is the durable inbox every door writes to (engine.sendInput), so a reply sent
// while the agent was still working, or while Tether was restarting, is there at the next Stop.
import type { Bus } from "../bus/bus.js";
import type { Engine } from "../core/engine.js";
import { deadline } from "../shared/deadline.js";

export interface Reply {
  seq: number;
  text: string;
}

export class ReplyWaiter {
  constructor(
    private readonly engine: Pick<Engine, "readQueue">,
    private readonly bus: Bus,
  ) {}

  /** The human's messages queued for the session now; if none, the first to come within
   * `timeoutMs` (with any that came with it). Empty when none came, or `signal` aborted. */
  async next(sessionId: string, timeoutMs: number, signal: AbortSignal): Promise<Reply[]> {
    let wake!: () => void;
    let woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    // Subscribed before the queue is read: a message committed in between still wakes it.
    const unsubscribe = this.bus.subscribe({
      name: `terminal-stop:${sessionId}`,
      sessionId,
      types: new Set(["human_input"]),
      deliver() {
        wake();
        return true;
      },
      cutOff: () => wake(),
    });
    const bounded = deadline(signal, timeoutMs);
    const onEnd = () => wake();
    bounded.signal.addEventListener("abort", onEnd);
    try {
      for (;;) {
        const replies = await this.queued(sessionId);
        if (replies.length > 0 || bounded.signal.aborted) return replies;
        await woken;
        woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      bounded.signal.removeEventListener("abort", onEnd);
      bounded.clear();
      unsubscribe();
    }
  }

  private async queued(sessionId: string): Promise<Reply[]> {
    const messages = await this.engine.readQueue(sessionId, 0, 100);
    return messages.flatMap((m) =>
      m.type === "human_input" ? [{ seq: m.seq, text: m.data.text }] : [],
    );
  }
}
