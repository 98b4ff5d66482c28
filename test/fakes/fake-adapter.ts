// An Adapter (src/adapters/types.ts) whose agent is a script the test writes: on each message the
// script decides what the agent does (report output, ask permission, end the turn, throw), and
// the fake records what Tether did to it (messages, interrupts, closes, the decisions it got).
// For tests of the supervisor and of everything behind AgentHost, without an agent process.
import {
  type Adapter,
  AdapterError,
  type AdapterStartOptions,
  type AgentHost,
  type AgentRun,
  type PermissionDecision,
  type PermissionRequest,
} from "../../dist/adapters/types.js";

/** One message, as the script sees it. */
export interface FakeTurn {
  readonly text: string;
  readonly host: AgentHost;
  /** Aborts when the turn is interrupted or the run is closed. */
  readonly signal: AbortSignal;
  /** Asks the human through the host, as an agent does before a tool call; the decision is
   * recorded on the run. */
  askPermission(request: PermissionRequest): Promise<PermissionDecision>;
}

/** What the agent does with a message. A script that throws fails the run, as a crashed agent. */
export type FakeScript = (turn: FakeTurn) => void | Promise<void>;

/** A turn that starts, answers with the message, and ends. */
export const echo: FakeScript = ({ text, host }) => {
  host.turnStarted();
  host.output("text", `echo: ${text}`);
  host.turnEnded();
};

export class FakeAdapter implements Adapter {
  /** Every run started, oldest first. */
  readonly runs: FakeRun[] = [];
  /** What every start was asked, including the ones that failed. */
  readonly starts: AdapterStartOptions[] = [];
  private readonly failures: Error[] = [];

  /** `script` runs for every message; change it whenever, it is read on each message. */
  constructor(
    public script: FakeScript = echo,
    readonly name = "fake",
  ) {}

  /** The newest run. */
  get run(): FakeRun | undefined {
    return this.runs.at(-1);
  }

  /** The next start fails with `error`, as for an agent that is not installed or logged in. */
  failNextStart(error: Error = new AdapterError("the fake agent is not logged in")): void {
    this.failures.push(error);
  }

  async start(host: AgentHost, options: AdapterStartOptions): Promise<AgentRun> {
    this.starts.push(options);
    const failure = this.failures.shift();
    if (failure) throw failure;
    const run = new FakeRun(host, () => this.script);
    this.runs.push(run);
    return run;
  }
}

export class FakeRun implements AgentRun {
  /** Every message handed over, in order. */
  readonly sends: string[] = [];
  /** Every decision askPermission got, in order. */
  readonly decisions: PermissionDecision[] = [];
  interrupts = 0;
  closes = 0;
  readonly pid = undefined;
  private turn = new AbortController();

  constructor(
    readonly host: AgentHost,
    private readonly script: () => FakeScript,
  ) {}

  send(text: string): void {
    this.sends.push(text);
    const signal = this.turn.signal;
    const turn: FakeTurn = {
      text,
      host: this.host,
      signal,
      askPermission: async (request) => {
        const decision = await this.host.askPermission(request, signal);
        this.decisions.push(decision);
        return decision;
      },
    };
    const script = this.script();
    void (async () => script(turn))().catch((error: unknown) => {
      this.host.failed(`the fake agent failed: ${(error as Error).message}`);
    });
  }

  async interrupt(): Promise<void> {
    this.interrupts++;
    this.endTurn();
  }

  async close(): Promise<void> {
    this.closes++;
    this.endTurn();
  }

  /** Aborts the running turn; the next message starts a new one. */
  private endTurn(): void {
    this.turn.abort();
    this.turn = new AbortController();
  }
}
