// Starts the checkpoint worker (checkpoint-worker.ts) only while there is work for it. A worker
// is a second V8 isolate, ~7 MB of an idle daemon's 80 MB budget (DESIGN.md §9), to hold for
// nothing while the WAL is small. So this watches the WAL's size, starts the worker once it
// passes `startAtWalBytes`, and lets the worker exit (truncating the WAL) once writes stop.
// Checkpoints stay off the event loop whenever they matter: under load the WAL grows at once.
import { stat } from "node:fs";
import { Worker } from "node:worker_threads";

export interface CheckpointTiming {
  /** Start the worker when the WAL file is at least this big. */
  startAtWalBytes: number;
  /** How often the WAL size is looked at, and how often the worker checkpoints. */
  intervalMs: number;
  /** The worker exits after this many checkpoints in a row found nothing new to copy. */
  idleChecks: number;
  /** A WAL this many pages long is started over (see checkpoint-worker.ts). */
  restartAtFrames: number;
}

/** What the worker is started with. */
export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
  idleChecks: number;
  restartAtFrames: number;
}

export const DEFAULT_CHECKPOINT_TIMING: CheckpointTiming = {
  startAtWalBytes: 1024 * 1024, // a quarter of SQLite's own auto-checkpoint point (1,000 pages)
  intervalMs: 500,
  idleChecks: 60, // 30 s
  restartAtFrames: 16_384, // 64 MB of 4 KB pages
};

export interface Checkpointer {
  /** Whether the worker is running now. */
  readonly running: boolean;
  stop(): Promise<void>;
}

export function startCheckpointer(options: {
  workerUrl: URL;
  dbPath: string;
  timing: CheckpointTiming;
  /** Called once if the worker cannot run; the caller checkpoints some other way. */
  onFailure: (error: Error) => void;
}): Checkpointer {
  const { workerUrl, dbPath, timing } = options;
  const walPath = `${dbPath}-wal`;
  let worker: Worker | undefined;
  let failed = false;

  const startWorker = () => {
    const data: CheckpointWorkerData = {
      path: dbPath,
      intervalMs: timing.intervalMs,
      idleChecks: timing.idleChecks,
      restartAtFrames: timing.restartAtFrames,
    };
    const w = new Worker(workerUrl, { workerData: data });
    w.unref();
    w.on("error", (error) => {
      failed = true;
      clearInterval(watch);
      options.onFailure(error);
    });
    w.on("exit", () => {
      if (worker === w) worker = undefined;
    });
    worker = w;
  };

  const watch = setInterval(() => {
    if (worker || failed) return;
    stat(walPath, (error, stats) => {
      if (error || worker || failed) return; // no WAL yet, or already started
      if (stats.size >= timing.startAtWalBytes) startWorker();
    });
  }, timing.intervalMs);
  watch.unref();

  return {
    get running() {
      return worker !== undefined;
    },
    async stop() {
      clearInterval(watch);
      failed = true; // a stat already in flight must not start a worker now
      await worker?.terminate();
    },
  };
}
