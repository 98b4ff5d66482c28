// "typing…" in a session's topic while its agent works. Telegram shows a chat action for about
// 5 s, so it is sent again every few seconds until the agent stops, asks something, or a bound
// runs out (an agent that never says it is done must not keep a chat typing forever). Best
// effort: a failed chat action is only a missing hint, never retried through the cursor.
import type { Api } from "./telegram-api.js";

const EVERY_MS = 4500;
const AT_MOST_MS = 10 * 60_000;

export class Typing {
  private readonly running = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
  ) {}

  start(sessionId: string, topicId: number): void {
    const until = Date.now() + AT_MOST_MS;
    const known = this.running.get(sessionId);
    if (known) {
      known.until = until;
      return;
    }
    const send = () => {
      this.api.sendChatAction(this.chatId, "typing", { message_thread_id: topicId }).catch(() => {
        // A hint only.
      });
    };
    send();
    const timer = setInterval(() => {
      const entry = this.running.get(sessionId);
      if (!entry || Date.now() > entry.until) this.stop(sessionId);
      else send();
    }, EVERY_MS);
    timer.unref();
    this.running.set(sessionId, { timer, until });
  }

  stop(sessionId: string): void {
    const entry = this.running.get(sessionId);
    if (!entry) return;
    clearInterval(entry.timer);
    this.running.delete(sessionId);
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }
}
