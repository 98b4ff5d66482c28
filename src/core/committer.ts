// Group commit: every change staged during one event-loop tick is written in one transaction,
// then the events are fanned out and every caller is answered. A caller's promise resolves only
// after its change is on disk, yet throughput holds because the fsync is shared.
import type { Bus } from "../bus/bus.js";
import { TetherError } from "./errors.js";
import { emptyBatch, type Store, type WriteBatch } from "./store.js";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private batch = emptyBatch();
  private waiters: Waiter[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Applies `change` to the batch being built now; resolves once that batch is committed. */
  stage(change: (batch: WriteBatch) => void): Promise<void> {
    change(this.batch);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Resolves when everything staged so far is committed. */
  async drain(): Promise<void> {
    while (this.running || this.waiters.length > 0) {
      if (!this.running) this.flush();
      await this.running;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running || this.waiters.length === 0) return;
    const batch = this.batch;
    const waiters = this.waiters;
    this.batch = emptyBatch();
    this.waiters = [];
    this.running = this.store.commit(batch).then(
      () => {
        this.bus.publish(batch.events);
        for (const w of waiters) w.resolve();
      },
      (cause: unknown) => {
        const error = new TetherError("unavailable", "could not write to the database", { cause });
        for (const w of waiters) w.reject(error);
        this.onFailure(cause);
      },
    );
    void this.running.finally(() => {
      this.running = null;
      if (this.waiters.length > 0) this.schedule();
    });
  }
}
