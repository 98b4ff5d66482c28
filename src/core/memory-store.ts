// A Store in memory, for the tests of everything built on the engine and for anything that
// needs a store without a disk. It answers as SqlStore does; test/helpers/store-contract.ts
// runs the same tests against both. Rows are kept as SqlStore writes them (memory-rows.ts), and
// a batch is written whole or not at all (memory-data.ts).
import { bridgeUserKey, MemoryData } from "./memory-data.js";
import {
  approvalOf,
  copyBridgeUser,
  copyCursor,
  copyRule,
  copySubscription,
  eventOf,
  queuedOf,
  sessionOf,
} from "./memory-rows.js";
import { threadOf } from "./rows.js";
import {
  type ApprovalQuery,
  type BridgeUserStore,
  type EventPage,
  eventsThatFit,
  type LoadedState,
  newestFirst,
  type PushSubscriptionStore,
  type QueuedMessage,
  type Store,
  type WriteBatch,
} from "./store.js";

export { MemoryData } from "./memory-data.js";

export class MemoryStore implements Store {
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly bridgeUsers: BridgeUserStore;
  private closed = false;

  constructor(private readonly data: MemoryData = new MemoryData()) {
    const subscriptions = data.pushSubscriptions;
    this.pushSubscriptions = {
      upsert: (s) =>
        this.run(() => {
          const kept = subscriptions.get(s.endpoint);
          const created_at = kept ? kept.created_at : s.created_at;
          subscriptions.set(s.endpoint, { ...copySubscription(s), created_at });
        }),
      list: () =>
        this.run(() =>
          [...subscriptions.values()]
            .sort((a, b) => compare(a.created_at, b.created_at))
            .map(copySubscription),
        ),
      delete: (endpoint) => this.run(() => subscriptions.delete(endpoint)),
    };
    const users = data.bridgeUsers;
    this.bridgeUsers = {
      add: (u) =>
        this.run(() => {
          const key = bridgeUserKey(u.platform, u.user_id);
          const kept = users.get(key);
          users.set(key, { ...copyBridgeUser(u), paired_at: kept ? kept.paired_at : u.paired_at });
        }),
      list: (platform) =>
        this.run(() =>
          [...users.values()]
            .filter((u) => platform === undefined || u.platform === platform)
            .sort(
              (a, b) =>
                compare(a.paired_at, b.paired_at) ||
                compare(a.platform, b.platform) ||
                compare(a.user_id, b.user_id),
            )
            .map(copyBridgeUser),
        ),
      remove: (platform, userId) => this.run(() => users.delete(bridgeUserKey(platform, userId))),
    };
  }

  load(): Promise<LoadedState> {
    return this.run(() => ({
      sessions: [...this.data.sessions.values()].map((r) =>
        sessionOf(r, this.data.events.get(r.id)?.last),
      ),
      pendingApprovals: this.approvals({ status: "pending" }),
      rules: this.rules(),
    }));
  }

  commit(batch: WriteBatch): Promise<void> {
    return this.run(() => {
      this.data.write(batch);
    });
  }

  readEvents(
    sessionId: string,
    afterSeq: number,
    limit: number,
    maxChars = Number.POSITIVE_INFINITY,
  ): Promise<EventPage> {
    return this.run(() => {
      // One more than asked for, to know whether more follow.
      const rows = this.data.events.get(sessionId)?.after(afterSeq, limit + 1) ?? [];
      const chars = rows.map((r) => r.chars);
      const count = eventsThatFit(chars, limit, maxChars);
      if (count === 0) return { events: [], hasMore: false };
      const events = rows.slice(0, count).map((r) => eventOf(sessionId, r));
      return { events, hasMore: rows.length > count };
    });
  }

  readQueue(sessionId: string, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    return this.run(() => {
      const rows = this.data.queued.get(sessionId)?.after(afterSeq, limit) ?? [];
      return rows.map((r) => queuedOf(sessionId, r));
    });
  }

  getApproval(id: string) {
    return this.run(() => {
      const row = this.data.approvals.get(id);
      return row && approvalOf(row);
    });
  }

  listApprovals(query: ApprovalQuery) {
    return this.run(() => this.approvals(query));
  }

  listRules(sessionId: string) {
    return this.run(() => this.rules(sessionId));
  }

  readCursors(consumer: string) {
    return this.run(() =>
      [...this.data.cursors.values()]
        .filter((c) => c.consumer === consumer)
        .sort((a, b) => compare(a.session_id, b.session_id))
        .map(copyCursor),
    );
  }

  readThreads(platform: string) {
    return this.run(() =>
      [...this.data.threads.values()]
        .filter((t) => t.platform === platform)
        .sort((a, b) => compare(a.session_id, b.session_id))
        .map(threadOf),
    );
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs `work` now, as the SQLite store does, answering through a promise; refused once
   * closed, as a closed database refuses. */
  private run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private approvals(query: ApprovalQuery) {
    const { status, sessionId, before, limit } = query;
    const found = [...this.data.approvals.values()].filter(
      (a) =>
        a.status === status &&
        (sessionId === undefined || a.session_id === sessionId) &&
        (before === undefined || newestFirst(before, a) < 0),
    );
    found.sort(newestFirst);
    // As SQL reads LIMIT: a negative one is none.
    return (limit === undefined || limit < 0 ? found : found.slice(0, limit)).map(approvalOf);
  }

  /** Oldest first (created_at, then id); a session's only when `sessionId` is given. */
  private rules(sessionId?: string) {
    return [...this.data.rules.values()]
      .filter((r) => sessionId === undefined || r.session_id === sessionId)
      .sort((a, b) => compare(a.created_at, b.created_at) || compare(a.id, b.id))
      .map(copyRule);
  }
}

/** Text in SQL's order for the ids and ISO timestamps stored here. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
