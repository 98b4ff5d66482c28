// Group commit: every change staged during one event-loop tick is written in one transaction,
// then the events are fanned out and every caller is answered. A caller's promise resolves only
// after its change is on disk, yet throughput holds because the fsync is shared.
//
// Staging is all-or-nothing per caller: a change is built in a piece of its own and checked to be
// storable (every value serializes) before it joins the batch, so a bad change fails only its own
// caller, undoes its memory changes (no seq burned) and never reaches the shared transaction. If
// the shared transaction fails anyway (a constraint, a full disk), each piece is tried alone, so
// the others still commit.
//
// The engine changes its memory before staging, so a piece that failed to commit leaves memory
// ahead of the disk. Everything built on that memory (later pieces of the same sessions, and the
// batch being built behind it) is refused, and no write is taken until `recover` has reloaded
// memory from the disk; otherwise a later batch would commit seqs that follow ones that never
// reached the disk.
import type { Bus } from "../bus/bus.js";
import { TetherError } from "./errors.js";
import { emptyBatch, type Store, type WriteBatch } from "./store.js";

interface Piece {
  batch: WriteBatch;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private batch = emptyBatch();
  private pieces: Piece[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  /** Set from a failed commit until memory has been reloaded from the disk. */
  private recovering: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly recover: (error: unknown) => Promise<void>,
  ) {}

  /**
   * Applies `change` to a piece of its own and, once that piece is known to be storable, adds it
   * to the batch being built now; resolves once that batch is committed. When `change` throws or
   * builds something that cannot be stored, `undo` runs (to take back the caller's memory
   * changes) and the caller alone gets the error; nothing joins the batch.
   */
  stage(change: (batch: WriteBatch) => void, undo?: () => void): Promise<void> {
    if (this.recovering) return Promise.reject(unavailable());
    const batch = emptyBatch();
    try {
      change(batch);
      assertStorable(batch);
    } catch (cause) {
      undo?.();
      return Promise.reject(unstorable(cause));
    }
    mergeInto(this.batch, batch);
    const done = new Promise<void>((resolve, reject) =>
      this.pieces.push({ batch, resolve, reject }),
    );
    this.schedule();
    return done;
  }

  /** Resolves when everything staged so far is committed. */
  async drain(): Promise<void> {
    while (this.running || this.pieces.length > 0) {
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
    if (this.running || this.pieces.length === 0) return;
    const batch = this.batch;
    const pieces = this.pieces;
    this.batch = emptyBatch();
    this.pieces = [];
    this.running = this.store.commit(batch).then(
      () => {
        this.bus.publish(batch.events);
        for (const p of pieces) p.resolve();
      },
      (cause: unknown) =>
        pieces.length > 1 ? this.commitEach(pieces, cause) : this.fail(pieces, cause),
    );
    void this.running.finally(() => {
      this.running = null;
      if (this.pieces.length > 0) this.schedule();
    });
  }

  /** The shared transaction failed: tries each piece in its own, in order. A piece of a session
   * whose earlier piece failed is refused without trying: its seqs follow ones not on disk. */
  private async commitEach(pieces: Piece[], batchCause: unknown): Promise<void> {
    const failedSessions = new Set<string>();
    const failed: Piece[] = [];
    let firstCause = batchCause;
    for (const piece of pieces) {
      const sessions = sessionsOf(piece.batch);
      let ok = ![...sessions].some((id) => failedSessions.has(id));
      if (ok) {
        try {
          await this.store.commit(piece.batch);
        } catch (cause) {
          if (failed.length === 0) firstCause = cause;
          ok = false;
        }
      }
      if (ok) {
        this.bus.publish(piece.batch.events);
        piece.resolve();
      } else {
        for (const id of sessions) failedSessions.add(id);
        failed.push(piece);
      }
    }
    if (failed.length > 0) this.fail(failed, firstCause);
  }

  /** `failed` did not reach the disk: refuses them and everything built behind them, then
   * reloads memory from the disk. */
  private fail(failed: Piece[], cause: unknown): void {
    const error = unavailable(cause);
    const builtOnFailed = this.pieces;
    this.batch = emptyBatch();
    this.pieces = [];
    for (const p of [...failed, ...builtOnFailed]) p.reject(error);
    this.startRecovery(cause);
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

/** Adds `piece` to `batch`, as if its change had been made on `batch` itself. */
function mergeInto(batch: WriteBatch, piece: WriteBatch): void {
  for (const [id, s] of piece.sessions) batch.sessions.set(id, s);
  for (const [id, a] of piece.approvals) batch.approvals.set(id, a);
  for (const e of piece.events) batch.events.push(e);
  for (const m of piece.queued) batch.queued.push(m);
  for (const r of piece.rules) batch.rules.push(r);
  for (const [key, c] of piece.cursors) {
    // A cursor only moves forward, whatever order its advances were staged in.
    const staged = batch.cursors.get(key);
    if (!staged || c.seq > staged.seq) batch.cursors.set(key, c);
  }
  for (const [key, t] of piece.threads) batch.threads.set(key, t);
  for (const id of piece.deletedSessions) {
    batch.sessions.delete(id);
    batch.deletedSessions.add(id);
  }
}

/** Every session a piece writes to. */
function sessionsOf(batch: WriteBatch): Set<string> {
  const ids = new Set<string>(batch.sessions.keys());
  for (const e of batch.events) ids.add(e.session_id);
  for (const a of batch.approvals.values()) ids.add(a.session_id);
  for (const m of batch.queued) ids.add(m.session_id);
  for (const r of batch.rules) ids.add(r.session_id);
  for (const c of batch.cursors.values()) ids.add(c.session_id);
  for (const t of batch.threads.values()) ids.add(t.session_id);
  for (const id of batch.deletedSessions) ids.add(id);
  return ids;
}

/** Throws when a value of `batch` cannot be serialized for storage (a BigInt, a cycle, a value
 * nested deeper than the stack allows). Events were serialized when they were made. */
function assertStorable(batch: WriteBatch): void {
  for (const s of batch.sessions.values()) JSON.stringify(s.agent);
  for (const a of batch.approvals.values()) JSON.stringify([a.options, a.tool_input]);
  for (const m of batch.queued) JSON.stringify(m.data);
  for (const t of batch.threads.values()) JSON.stringify(t.data);
}

function unstorable(cause: unknown): TetherError {
  if (cause instanceof TetherError) return cause;
  const why = cause instanceof RangeError ? "a value is nested too deeply" : String(cause);
  return new TetherError("bad_request", `this change cannot be stored: ${why}`, { cause });
}

function unavailable(cause?: unknown): TetherError {
  return new TetherError("unavailable", "could not write to the database; try again", { cause });
}
