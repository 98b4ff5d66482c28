// A bridge's health as /api/health shows it: connected unless something is failing now (the
// platform refused or did not answer its polling, or a session's delivery keeps failing), with
// the newest failure said without secrets and the time the state last changed.
import type { BridgeState } from "./types.js";

export class HealthTracker {
  private state: BridgeState["state"] = "starting";
  private since = new Date().toISOString();
  private lastError: string | null = null;
  /** What is failing now, by what it is (`polling`, `session sess_…`): its newest error. */
  private readonly failing = new Map<string, string>();

  constructor(private readonly backlog: () => number) {}

  /** Something failed, and will be tried again. */
  failed(what: string, error: string): void {
    this.failing.set(what, error);
    this.lastError = error;
    this.settle();
  }

  /** What failed works again. */
  recovered(what: string): void {
    if (this.failing.delete(what)) this.settle();
  }

  /** Forgets failures of things that are gone (a deleted session's delivery). */
  forget(gone: (what: string) => boolean): void {
    let changed = false;
    for (const what of this.failing.keys()) {
      if (gone(what)) changed = this.failing.delete(what) || changed;
    }
    if (changed) this.settle();
  }

  /** The bridge is up: connected unless something is failing. */
  up(): void {
    if (this.state === "starting" || this.state === "stopped") this.move("connected");
    this.settle();
  }

  /** Not up yet, and why: trying again. */
  waiting(error: string): void {
    this.lastError = error;
    this.move("retrying");
  }

  stopped(): void {
    this.move("stopped");
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** The snapshot, after forgetting the delivery failures of sessions deleted since
   * (`session <id>`): a session that is gone is nothing to retry. */
  snapshotFor(engine: { getSessionById(id: string): unknown } | undefined): BridgeState {
    if (engine) {
      this.forget((what) => {
        if (!what.startsWith("session ")) return false;
        try {
          engine.getSessionById(what.slice(8));
          return false;
        } catch {
          return true;
        }
      });
    }
    return this.snapshot();
  }

  snapshot(): BridgeState {
    return {
      state: this.state,
      since: this.since,
      last_error: this.lastError,
      backlog: this.backlog(),
    };
  }

  private settle(): void {
    if (this.state === "starting" || this.state === "stopped") return;
    this.move(this.failing.size > 0 ? "retrying" : "connected");
  }

  private move(state: BridgeState["state"]): void {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
  }
}
