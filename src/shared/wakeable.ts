// A wait that ends at a timer or at a poke, whichever comes first: how a loop that backs off
// (a retry after a failure) or idles (until there is work) is woken at once to stop or go on.
export class Wakeable {
  private wake: (() => void) | null = null;

  /** Resolves after `ms` (the timer does not keep the process alive), or at the next poke;
   * without `ms`, only at a poke. One wait at a time. */
  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms === undefined) {
        this.wake = resolve;
        return;
      }
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the wait under way, if any. */
  poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
