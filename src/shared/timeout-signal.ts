// A signal that aborts when another does or when time is up: AbortSignal.any([signal,
// AbortSignal.timeout(ms)]), with one difference that matters. Held only by AbortSignal.any, a
// timeout signal is weakly referenced on Node 20, so a garbage collection before it fires loses
// it and it never fires (nodejs/node#57736): a wait bounded by it would not be bounded. Listened
// to directly, Node keeps it until it fires.
export function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  timeout.addEventListener("abort", () => {}, { once: true });
  return AbortSignal.any([signal, timeout]);
}
