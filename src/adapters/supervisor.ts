// Runs the agents of the sessions Tether starts itself: one AgentRun per session, started on
// the first message (resuming the agent's own session after a restart), fed the human's input
// in seq order, interrupted on request, stopped when the session is deleted or Tether stops.
//
// Input reaches an agent the same way it reaches an external one: through the session's
// durable queue, acknowledged only once handed over. So nothing typed is lost when the agent
// fails to start or the daemon dies; it is delivered when the agent runs again.
import type { Logger } from "pino";
import type { Bus } from "../bus/bus.js";
import type { Engine } from "../core/engine.js";
import { TetherError } from "../core/errors.js";
import type { QueuedMessage, StoredEvent } from "../core/store.js";
import type { Session } from "../shared/schemas.js";
import { agentEnv } from "./agent-env.js";
import { type Connection, isAgentPeer } from "./agent-peers.js";
import { allowedDirectory } from "./allowed-roots.js";
import { PermissionBroker } from "./permissions.js";
import type { AdapterLoader } from "./registry.js";
import { SessionHost } from "./session-host.js";
import { AdapterError, type AgentRun } from "./types.js";

/** What an agent Tether runs is woken for: a message in its queue. Decisions on its approvals
 * are not queued for it: the broker hands them over (core/approvals.ts settled). */
const WAKE_ON: ReadonlySet<string> = new Set(["human_input", "interrupt"]);

interface Slot {
  run: Promise<AgentRun | undefined>;
}

export interface SupervisorOptions {
  engine: Engine;
  bus: Bus;
  adapters: Readonly<Record<string, AdapterLoader>>;
  /** The environment agent processes start from; only its allowlisted names reach them
   * (agent-env.ts), so a test's or the daemon's TETHER_* settings never do. */
  env: Readonly<Record<string, string>>;
  log: Logger;
  /** TETHER_ALLOWED_ROOTS: an agent starts only in a directory inside one of them (undefined:
   * the home directory). Checked again at every start, as a session may predate the setting. */
  allowedRoots?: readonly string[] | undefined;
}

export class Supervisor {
  private readonly slots = new Map<string, Slot>();
  /** Per session, the tail of its chain of deliveries: one at a time, in order. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly permissions: PermissionBroker;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.permissions = new PermissionBroker(options.engine.approvals);
  }

  runs(kind: string): boolean {
    return kind in this.options.adapters;
  }

  /** Takes over after a (re)start: agents that were mid-turn are gone, so are their questions. */
  async init(): Promise<void> {
    const { engine, bus } = this.options;
    this.unsubscribe = bus.subscribe({
      name: "supervisor",
      types: WAKE_ON,
      deliver: (event) => {
        this.onEvent(event);
        return true;
      },
      cutOff: () => {
        // Never refuses a delivery, so never cut off.
      },
    });
    for (const session of engine.listSessions()) {
      if (!this.runs(session.kind)) continue;
      for (const approval of await engine.approvals.list({
        status: "pending",
        sessionId: session.id,
      })) {
        await engine.approvals.withdraw(approval.id, "Tether restarted; the agent will ask again");
      }
      if (session.state === "running" || session.state === "interrupting") {
        await engine.setState(
          session.id,
          "awaiting_input",
          "Tether restarted; the agent carries on with your next message",
        );
      }
      this.deliver(session.id);
    }
  }

  /** Starts (or, after an error, restarts) a session's agent without a message. */
  async start(sessionId: string): Promise<void> {
    const session = this.options.engine.getSession(sessionId);
    if (session.state === "done") {
      throw new TetherError("session_ended", `session ${session.id} has ended`);
    }
    if (session.state === "error") await this.stop(session.id);
    const run = await this.ensureRun(session);
    if (run && session.state === "error") {
      await this.options.engine.setState(session.id, "awaiting_input", "restarted");
    }
    // What was typed while the agent could not start is handed over now, not at the next message.
    if (run) this.deliver(session.id);
  }

  /** Stops a session's agent, e.g. before the session is deleted. */
  async stop(sessionId: string): Promise<void> {
    const slot = this.slots.get(sessionId);
    this.slots.delete(sessionId);
    const run = await slot?.run;
    await run?.close().catch((error: unknown) => {
      this.options.log.warn({ err: error, session: sessionId }, "agent did not stop cleanly");
    });
  }

  /** True when `connection` comes from a process of an agent Tether runs (Linux; see
   * agent-peers.ts). Cheap when no agent runs: nothing is read. */
  async isAgentConnection(connection: Connection): Promise<boolean> {
    if (this.slots.size === 0) return false;
    const knownPids: number[] = [];
    for (const slot of this.slots.values()) {
      const pid = (await slot.run)?.pid;
      if (pid !== undefined) knownPids.push(pid);
    }
    return isAgentPeer(connection, { knownPids });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.slots.keys()].map((id) => this.stop(id)));
  }

  private onEvent(event: StoredEvent): void {
    let session: Session;
    try {
      session = this.options.engine.getSession(event.session_id);
    } catch {
      return; // deleted
    }
    if (!this.runs(session.kind)) return;
    this.deliver(session.id);
  }

  /** Queues a pass over the session's undelivered input. */
  private deliver(sessionId: string): void {
    const tail = this.queues.get(sessionId) ?? Promise.resolve();
    const next = tail
      .then(() => this.deliverPending(sessionId))
      .catch((error: unknown) => {
        this.options.log.warn({ err: error, session: sessionId }, "could not deliver input");
      });
    this.queues.set(sessionId, next);
    void next.then(() => {
      if (this.queues.get(sessionId) === next) this.queues.delete(sessionId);
    });
  }

  private async deliverPending(sessionId: string): Promise<void> {
    const { engine } = this.options;
    let session: Session;
    try {
      session = engine.getSession(sessionId);
    } catch {
      return;
    }
    // An ended session's agent stays stopped, whatever was still queued for it.
    if (session.state === "done") return;
    const pending = await engine.readQueue(session.id);
    if (pending.length === 0) return;
    const hasMessage = pending.some((queued) => queued.type === "human_input");
    // An interrupt for an agent that is not running has nothing to stop.
    if (!hasMessage && !this.slots.has(session.id)) {
      await engine.acknowledge(session.id, pending[pending.length - 1]!.seq);
      if (session.state === "interrupting") {
        await engine.setState(session.id, "awaiting_input", "interrupted");
      }
      return;
    }
    const run = await this.ensureRun(session);
    if (!run) return; // Failed to start; the input stays queued for the next try.
    for (const queued of pending) {
      await this.handOver(run, queued);
      await engine.acknowledge(session.id, queued.seq);
    }
  }

  private async handOver(run: AgentRun, queued: QueuedMessage): Promise<void> {
    if (queued.type === "human_input") run.send(queued.data.text);
    else if (queued.type === "interrupt") await run.interrupt();
    // approval_response: queued only by versions before decisions went straight to the waiting
    // agent; there is nothing to hand over.
  }

  private ensureRun(session: Session): Promise<AgentRun | undefined> {
    const existing = this.slots.get(session.id);
    if (existing) return existing.run;
    const { engine, log, env, adapters } = this.options;
    const slot: Slot = { run: Promise.resolve(undefined) };
    const host = new SessionHost(session.id, engine, this.permissions, log, () => {
      if (this.slots.get(session.id) !== slot) return;
      this.slots.delete(session.id);
      void slot.run.then((run) => run?.close()).catch(() => {});
    });
    slot.run = (async () => {
      try {
        const adapter = await adapters[session.kind]!();
        return await adapter.start(host, {
          directory: allowedDirectory(session.directory, this.options.allowedRoots),
          resume: session.agent_session_id,
          env: agentEnv(env),
        });
      } catch (error) {
        const message =
          error instanceof AdapterError || error instanceof TetherError
            ? error.message
            : `could not start ${session.kind}: ${(error as Error).message}`;
        host.failed(message);
        return undefined;
      }
    })();
    this.slots.set(session.id, slot);
    return slot.run;
  }
}
