// Group commit: every change staged during one event-loop tick is written in one transaction,
// then the events are fanned out and every caller is answered. A caller's promise resolves only
// after its change is on disk, yet throughput holds because the fsync is shared.
//
// The engine changes its memory before staging, so a failed commit leaves memory ahead of the
// disk. Everything built on that memory (the failed batch and the one being built behind it) is
// refused, and no write is taken until `recover` has reloaded memory from the disk; otherwise a
// later batch would commit seqs that follow ones that never reached the disk.
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
  /** Set from a failed commit until memory has been reloaded from the disk. */
  private recovering: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly recover: (error: unknown) => Promise<void>,
  ) {}

  /** Applies `change` to the batch being built now; resolves once that batch is committed. */
  stage(change: (batch: WriteBatch) => void): Promise<void> {
    if (this.recovering) return Promise.reject(unavailable());
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
        const error = unavailable(cause);
        const builtOnFailed = this.waiters;
        this.batch = emptyBatch();
        this.waiters = [];
        for (const w of [...waiters, ...builtOnFailed]) w.reject(error);
        this.startRecovery(cause);
      },
    );
    void this.running.finally(() => {
      this.running = null;
      if (this.waiters.length > 0) this.schedule();
    });
  }

  private startRecovery(cause: unknown): void {
    this.recovering = this.recover(cause).then(
      () => {
        this.recovering = null;
      },
      () => {
        // The disk is still unreadable: keep refusing writes, and try again shortly.
        const retry = setTimeout(() => this.startRecovery(cause), RECOVERY_RETRY_MS);
        retry.unref();
      },
    );
  }
}

const RECOVERY_RETRY_MS = 1000;

function unavailable(cause?: unknown): TetherError {
  return new TetherError("unavailable", "could not write to the database; try again", { cause });
}
