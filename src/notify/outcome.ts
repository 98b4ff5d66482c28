// What one delivery attempt came to, as far as retrying is concerned.
export type Outcome =
  | { result: "delivered" }
  /** The push service no longer knows the subscription (404/410); it has been removed. */
  | { result: "gone" }
  /** Worth another try (429, 5xx, network), after `afterMs` when the service said. */
  | { result: "retry"; afterMs?: number; why: string }
  | { result: "failed"; why: string };

const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Milliseconds from a Retry-After header (seconds or an HTTP date); undefined when absent or
 * unreadable. Capped, so a confused service cannot park a notification for days. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The outcome of an HTTP status from a push service or ntfy. */
export function outcomeOfStatus(status: number, retryAfter: string | null): Outcome {
  if (status >= 200 && status < 300) return { result: "delivered" };
  if (status === 429 || status >= 500) {
    const afterMs = retryAfterMs(retryAfter);
    return afterMs === undefined
      ? { result: "retry", why: `HTTP ${status}` }
      : { result: "retry", afterMs, why: `HTTP ${status}` };
  }
  return { result: "failed", why: `HTTP ${status}` };
}

/** A network failure, named without its URL. */
export function outcomeOfError(error: unknown): Outcome {
  const err = error as { name?: string; cause?: { code?: string } };
  if (err.name === "AbortError") return { result: "failed", why: "cancelled" };
  if (err.name === "TimeoutError") return { result: "retry", why: "timed out" };
  return { result: "retry", why: err.cause?.code ?? err.name ?? "network error" };
}
