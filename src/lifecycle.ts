// The daemon's parts close in the reverse order they opened, so each closes while everything it
// uses is still there. Each part registers its close right after it opens, so a start-up that
// fails half-way closes exactly what it opened, and stopping twice closes nothing twice.

/** What Parts logs with: pino's Logger fits. */
export interface PartsLog {
  debug(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type Close = () => unknown;

export class Parts {
  private readonly opened: { name: string; close: Close }[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: PartsLog) {}

  /** Registers the close of the part `name`, just opened: closeAll runs it before the closes of
   * the parts opened earlier. */
  add(name: string, close: Close): void {
    // A part opened after closeAll began would never be closed.
    if (this.closing) throw new Error(`${name} was opened after the daemon began to close`);
    this.opened.push({ name, close });
  }

  /** Closes every part, newest first, once: later and concurrent calls share the first one's
   * promise. A close that throws is logged and the rest still run; the promise then rejects,
   * naming what failed. */
  closeAll(): Promise<void> {
    this.closing ??= this.closeInReverse();
    return this.closing;
  }

  private async closeInReverse(): Promise<void> {
    const failures: { name: string; error: unknown }[] = [];
    for (const { name, close } of this.opened.toReversed()) {
      try {
        await close();
        this.log.debug({ part: name }, `closed ${name}`);
      } catch (error) {
        failures.push({ name, error });
        this.log.error({ err: error, part: name }, `closing ${name} failed; closing the rest`);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((f) => f.error),
        failures.map((f) => `closing ${f.name} failed: ${messageOf(f.error)}`).join("; "),
      );
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
