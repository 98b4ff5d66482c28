// The AgentHost an adapter talks to for one session: each call becomes an engine write. Writes
// are staged in call order, so events keep the order the agent reported them in.
import type { Logger } from "pino";
import type { Engine } from "../core/engine.js";
import { canTransition } from "../core/state-machine.js";
import type { Session, SessionState, Usage } from "../shared/schemas.js";
import type { PermissionBroker } from "./permissions.js";
import type {
  AgentHost,
  OutputKind,
  PermissionDecision,
  PermissionRequest,
  Question,
} from "./types.js";

export class SessionHost implements AgentHost {
  constructor(
    private readonly sessionId: string,
    private readonly engine: Engine,
    private readonly permissions: PermissionBroker,
    private readonly log: Logger,
    /** Called once the agent has failed, so the supervisor drops the run. */
    private readonly onFailed: () => void,
  ) {}

  output(kind: OutputKind, text: string, metadata: Record<string, unknown> = {}): void {
    this.write(this.engine.appendOutput(this.sessionId, { text, metadata, kind }));
  }

  turnStarted(): void {
    this.move("running", "turn started");
  }

  turnEnded(): void {
    this.move("awaiting_input", "turn ended");
  }

  failed(message: string): void {
    // Failing again the same way (still not logged in, at each restart of Tether) is not news:
    // the session shows that error already, and a copy per retry would bury the conversation.
    if (!this.failedAlreadyWith(message)) {
      this.output("error", message);
      this.move("error", message);
    }
    this.onFailed();
  }

  usage(total: Usage): void {
    this.write(this.engine.recordUsageTotal(this.sessionId, total));
  }

  resumeWith(agentSessionId: string): void {
    this.write(this.engine.setAgentSessionId(this.sessionId, agentSessionId));
  }

  askPermission(request: PermissionRequest, signal: AbortSignal): Promise<PermissionDecision> {
    return this.permissions.ask(this.sessionId, request, signal).catch((error: unknown) => {
      this.log.warn({ err: error, session: this.sessionId }, "could not ask for permission");
      return { allow: false, message: "Tether could not ask the user; try again" };
    });
  }

  askQuestion(question: Question, signal: AbortSignal): Promise<string | undefined> {
    return this.permissions
      .askQuestion(this.sessionId, question, signal)
      .catch((error: unknown) => {
        this.log.warn({ err: error, session: this.sessionId }, "could not ask a question");
        return undefined;
      });
  }

  private failedAlreadyWith(message: string): boolean {
    try {
      const session = this.engine.getSession(this.sessionId);
      return session.state === "error" && session.error === message;
    } catch {
      return false; // deleted meanwhile: output() finds that out and says so
    }
  }

  private move(to: SessionState, reason: string): void {
    let session: Session;
    try {
      session = this.engine.getSession(this.sessionId);
    } catch {
      return; // deleted meanwhile
    }
    const from = session.state;
    // A second, different failure is no move, yet it is the session's error now.
    const newError = from === "error" && to === "error" && session.error !== reason;
    // The agent's report is the truth, but an ended session stays ended.
    if ((from === to && !newError) || !canTransition(from, to)) return;
    this.write(this.engine.setState(this.sessionId, to, reason));
  }

  private write(done: Promise<unknown>): void {
    done.catch((error: unknown) => {
      this.log.warn({ err: error, session: this.sessionId }, "could not record what the agent did");
    });
  }
}
