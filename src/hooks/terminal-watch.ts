// Notices a terminal session whose agent is gone without saying so: its hooks send SessionEnd
// on a clean exit, but a closed terminal window or a kill -9 sends nothing, and the session
// would wait for its human forever (with its permission prompt still on the phone). Every few
// seconds, and once at start (the daemon may have restarted meanwhile), each terminal session
// whose process Tether knows is checked; one that is gone is ended and its prompts withdrawn.
import type { Approvals } from "../core/approvals.js";
import type { Engine } from "../core/engine.js";
import { isTerminalKind } from "../shared/kinds.js";
import type { Session, TerminalProcess } from "../shared/schemas.js";
import { Wakeable } from "../shared/wakeable.js";
import { isRunning } from "./agent-process.js";

export const TERMINAL_CHECK_MS = 5000;

interface WatchLog {
  warn(obj: object, msg: string): void;
}

export class TerminalWatch {
  private readonly tick = new Wakeable();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly o: {
      engine: Pick<Engine, "listSessions" | "setTerminal" | "setState">;
      approvals: Pick<Approvals, "list" | "withdraw">;
      log: WatchLog;
      everyMs?: number;
    },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.tick.poke();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.checkAll().catch((error: unknown) =>
        this.o.log.warn({ err: error }, "checking terminal sessions failed; trying again"),
      );
      await this.tick.wait(this.o.everyMs ?? TERMINAL_CHECK_MS);
    }
  }

  /** Ends each terminal session whose agent process no longer runs. */
  async checkAll(): Promise<void> {
    for (const session of this.o.engine.listSessions()) {
      if (this.stopped) return;
      if (!isTerminalKind(session.kind) || session.state === "done") continue;
      const terminal = session.terminal;
      if (terminal?.pid == null || terminal.running === false) continue;
      if (isRunning({ pid: terminal.pid, start: terminal.process_start })) continue;
      await this.ended(session, terminal);
    }
  }

  private async ended(session: Session, terminal: TerminalProcess): Promise<void> {
    const why = "the agent's process in the terminal exited";
    for (const approval of await this.o.approvals.list({
      status: "pending",
      sessionId: session.id,
    })) {
      await this.o.approvals.withdraw(approval.id, why).catch(() => {});
    }
    await this.o.engine.setTerminal(session.id, { ...terminal, running: false });
    await this.o.engine.setState(session.id, "done", why);
  }
}
