// Deliveries run here, off the engine's path: a bounded FIFO, a few at a time, each retried a
// couple of times with backoff (or the service's Retry-After), then dropped. Notifications are
// at-most-once by design: a lost one is better than a phone buzzing twice for one question.
import type { Logger } from "pino";
import type { Outcome } from "./outcome.js";

export interface Delivery {
  /** For logs: the channel and the origin it goes to, never a full endpoint. */
  readonly label: string;
  run(signal: AbortSignal): Promise<Outcome>;
}

export interface SendQueueOptions {
  log: Logger;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Deliveries waiting; beyond it new ones are dropped (and logged). */
  maxQueued?: number;
  /** Tries per delivery, the first included. */
  maxAttempts?: number;
  /** First backoff; doubled each retry, plus up to 50% jitter. */
  baseDelayMs?: number;
}

interface Entry {
  delivery: Delivery;
  attempt: number;
}

export class SendQueue {
  private readonly waiting: Entry[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(private readonly options: SendQueueOptions) {
    this.concurrency = options.concurrency ?? 4;
    this.maxQueued = options.maxQueued ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 500;
  }

  /** Queues a delivery; false when the queue is full or closed. */
  push(delivery: Delivery): boolean {
    if (this.abort.signal.aborted) return false;
    if (this.waiting.length >= this.maxQueued) {
      this.options.log.warn({ to: delivery.label }, "notification queue full; dropped one");
      return false;
    }
    this.waiting.push({ delivery, attempt: 1 });
    this.pump();
    return true;
  }

  /** Cancels what is in flight and drops the rest. Idempotent. */
  async close(): Promise<void> {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    await Promise.all(this.inFlight);
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      const running = this.attempt(entry).finally(() => {
        this.inFlight.delete(running);
        this.pump();
      });
      this.inFlight.add(running);
    }
  }

  private async attempt(entry: Entry): Promise<void> {
    const { log } = this.options;
    let outcome: Outcome;
    try {
      outcome = await entry.delivery.run(this.abort.signal);
    } catch (error) {
      // A bug in a channel, not the service's answer: say which channel, never retry.
      log.error({ to: entry.delivery.label, err: error }, "notification delivery threw");
      return;
    }
    if (this.abort.signal.aborted) return;
    if (outcome.result !== "retry") {
      if (outcome.result === "failed") {
        log.warn({ to: entry.delivery.label, why: outcome.why }, "notification not delivered");
      }
      return;
    }
    if (entry.attempt >= this.maxAttempts) {
      log.warn(
        { to: entry.delivery.label, why: outcome.why, attempts: entry.attempt },
        "notification not delivered; giving up",
      );
      return;
    }
    const backoff = this.baseDelayMs * 2 ** (entry.attempt - 1) * (1 + Math.random() * 0.5);
    const delay = outcome.afterMs ?? backoff;
    log.debug({ to: entry.delivery.label, why: outcome.why, delay }, "notification retry");
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.push({ delivery: entry.delivery, attempt: entry.attempt + 1 });
      this.pump();
    }, delay);
    // Never what keeps the process alive; close() clears it anyway.
    timer.unref();
    this.timers.add(timer);
  }
}
