// A wait bounded by a caller's signal and a time limit. Not AbortSignal.any([signal,
// AbortSignal.timeout(ms)]): Node 20 may garbage-collect the timeout signal inside it before it
// fires, and the combined signal then never aborts (nodejs/node#57736) — a terminal hook held
// for its whole bound instead of the configured few seconds, a hung push service never given up
// on. Here the timer holds its controller, and clear() ends the timer once the wait is over.

export interface Deadline {
  /** Aborts when the caller's signal does, or with a TimeoutError after the time limit. */
  signal: AbortSignal;
  clear(): void;
}

export function deadline(signal: AbortSignal, ms: number): Deadline {
  const expired = new AbortController();
  const timer = setTimeout(
    () => expired.abort(new DOMException("The operation timed out", "TimeoutError")),
    ms,
  );
  // Like AbortSignal.timeout: the limit alone does not keep the process alive.
  timer.unref();
  return {
    signal: AbortSignal.any([signal, expired.signal]),
    clear: () => clearTimeout(timer),
  };
}
