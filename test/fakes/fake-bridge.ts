// A chat bridge that talks to no platform: it implements our Bridge interface
// (src/bridges/types.ts), records what it is told, delivers every event through followSessions
// into a list, and fails when the test scripts it to. Registered with `fakeRegistry` in place of
// the daemon's own bridges (DaemonOptions.bridges).
import type { BridgeRegistry } from "../../dist/bridges/registry.js";
import type { Bridge, BridgeContext, BridgeState, Thread } from "../../dist/bridges/types.js";
import type { SessionsFollow } from "../../dist/core/follow-sessions.js";
import type { StoredEvent } from "../../dist/core/store.js";
import type { Session } from "../../dist/shared/schemas.js";

export interface FakeBridgeScript {
  /** start() rejects with this (a StartupError for a refused setting, say). */
  failStart?: Error;
  /** openThread() rejects with this, or never answers with "hang". */
  failOpenThread?: Error | "hang";
  /** deliver rejects this many times before it starts succeeding. */
  failDeliveries?: number;
  /** pairing() answers this: true for a bridge without an allow list. */
  pairing?: boolean;
}

export class FakeBridge implements Bridge {
  /** What happened, in order: "start", "stop", "open sess_…". */
  readonly calls: string[] = [];
  /** Every event delivered, as `session_id#seq`. */
  readonly delivered: string[] = [];
  context: BridgeContext | undefined;
  private follow: SessionsFollow | undefined;
  private state: BridgeState = { state: "stopped", since: now(), last_error: null, backlog: 0 };
  private nextThread = 100;

  constructor(
    readonly name: string,
    readonly script: FakeBridgeScript = {},
  ) {}

  async start(context: BridgeContext): Promise<void> {
    this.calls.push("start");
    this.context = context;
    if (this.script.failStart) throw this.script.failStart;
    this.follow = await context.followSessions({
      deliver: (event) => this.deliver(event),
      onError: (f) => {
        this.state = {
          ...this.state,
          state: "retrying",
          since: now(),
          last_error: String(f.error),
        };
      },
      retry: { firstMs: 10, maxMs: 50 },
    });
    this.state = { state: "connected", since: now(), last_error: null, backlog: 0 };
  }

  async stop(): Promise<void> {
    this.calls.push("stop");
    await this.follow?.close();
    this.state = { ...this.state, state: "stopped", since: now() };
  }

  health(): BridgeState {
    return { ...this.state };
  }

  pairing(): boolean {
    return this.script.pairing ?? false;
  }

  /** As the platform's `/pair <code>` from `user` would: through the context's users. */
  pair(code: string, user: { id: string; name: string }): Promise<boolean> {
    return this.context!.users.pair(code, user);
  }

  /** Whether the bridge would let `userId` answer, were it allowed by pairing only. */
  isPaired(userId: string): boolean {
    return this.context!.users.isPaired(userId);
  }

  async openThread(session: Session, signal: AbortSignal): Promise<Thread> {
    this.calls.push(`open ${session.id}`);
    const failure = this.script.failOpenThread;
    if (failure === "hang") {
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    }
    if (failure) throw failure;
    const known = await this.context!.threads.of(session.id);
    if (known) return known;
    return this.context!.threads.save(session.id, String(this.nextThread++), { pinned: 1 });
  }

  private async deliver(event: StoredEvent): Promise<void> {
    if ((this.script.failDeliveries ?? 0) > 0) {
      this.script.failDeliveries!--;
      throw new Error(`${this.name} is down`);
    }
    this.delivered.push(`${event.session_id}#${event.seq}`);
    if (this.state.state !== "connected") {
      this.state = { state: "connected", since: now(), last_error: null, backlog: 0 };
    }
  }
}

/** A registry of these bridges, each configured, loading the given instance. */
export function fakeRegistry(...bridges: FakeBridge[]): BridgeRegistry {
  return Object.fromEntries(
    bridges.map((b) => [b.name, { configured: () => true, load: async () => b }]),
  );
}

function now(): string {
  return new Date().toISOString();
}
