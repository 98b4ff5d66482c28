// In-process fan-out of committed events. Each subscriber owns a bounded queue (for sockets,
// the socket's own send buffer); one that falls too far behind is cut off and resumes by
// cursor, so it never slows the engine or the other subscribers.
import type { StoredEvent } from "../core/store.js";

export interface Subscriber {
  /** Who this is, for the log when its deliver throws (e.g. `notifier`, `sse:<session>`). */
  readonly name?: string;
  /** Only events of this session; all sessions when absent. */
  readonly sessionId?: string;
  /** Only events of these types; all types when absent. */
  readonly types?: ReadonlySet<string>;
  /** Hands one event over. Returns false when the subscriber's queue is full. */
  deliver(event: StoredEvent): boolean;
  /** Called once when the bus drops a subscriber that refused `refused` (its queue was full). */
  cutOff(refused: StoredEvent): void;
}

export interface Bus {
  subscribe(subscriber: Subscriber): () => void;
  publish(events: readonly StoredEvent[]): void;
  readonly subscriberCount: number;
}

export interface LocalBusOptions {
  /** A subscriber's deliver threw: it is dropped like a full one, and this says who and why. */
  onSubscriberError?(name: string, error: unknown, event: StoredEvent): void;
}

export class LocalBus implements Bus {
  constructor(private readonly options: LocalBusOptions = {}) {}

  private readonly bySession = new Map<string, Set<Subscriber>>();
  private readonly everywhere = new Set<Subscriber>();
  private count = 0;

  get subscriberCount(): number {
    return this.count;
  }

  subscribe(subscriber: Subscriber): () => void {
    const set = this.setFor(subscriber, true);
    set.add(subscriber);
    this.count++;
    return () => this.remove(subscriber);
  }

  publish(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const sessionSubs = this.bySession.get(event.session_id);
      if (sessionSubs) for (const sub of sessionSubs) this.offer(sub, event);
      for (const sub of this.everywhere) this.offer(sub, event);
    }
  }

  private offer(sub: Subscriber, event: StoredEvent): void {
    if (sub.types && !sub.types.has(event.type)) return;
    let accepted = false;
    try {
      accepted = sub.deliver(event);
    } catch (error) {
      this.options.onSubscriberError?.(sub.name ?? "an unnamed subscriber", error, event);
      accepted = false;
    }
    if (!accepted) {
      this.remove(sub);
      sub.cutOff(event);
    }
  }

  private remove(sub: Subscriber): void {
    const set = this.setFor(sub, false);
    if (set?.delete(sub)) {
      this.count--;
      if (sub.sessionId !== undefined && set.size === 0) this.bySession.delete(sub.sessionId);
    }
  }

  private setFor(sub: Subscriber, create: true): Set<Subscriber>;
  private setFor(sub: Subscriber, create: false): Set<Subscriber> | undefined;
  private setFor(sub: Subscriber, create: boolean): Set<Subscriber> | undefined {
    if (sub.sessionId === undefined) return this.everywhere;
    let set = this.bySession.get(sub.sessionId);
    if (!set && create) {
      set = new Set();
      this.bySession.set(sub.sessionId, set);
    }
    return set;
  }
}
