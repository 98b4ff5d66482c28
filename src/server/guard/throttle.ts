// Wrong credentials are throttled per client address: a token bucket of BURST failures that
// refills at REFILL_PER_S. While a client's bucket is empty, every credential it presents is
// refused with 429 before it is checked, the right one included: answering a right token
// normally would tell a guesser which guess was right, and the throttle would slow nothing.
// Requests without any credential do not count (they learn nothing).
import { TetherError } from "../../core/errors.js";

export const BURST = 50;
export const REFILL_PER_S = 5;
/** Clients remembered at most; the oldest is forgotten first (a full bucket is the default). */
const MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class FailureThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly burst = BURST,
    private readonly refillPerS = REFILL_PER_S,
  ) {}

  /** Seconds until `client` may try again; 0 when it may now. */
  retryAfterS(client: string): number {
    const tokens = this.refill(client)?.tokens ?? this.burst;
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.refillPerS);
  }

  /** Counts one wrong credential from `client`. */
  fail(client: string): void {
    const bucket = this.refill(client) ?? { tokens: this.burst, at: this.now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.buckets.delete(client); // re-insert: the Map's order is then least recently failed first
    this.buckets.set(client, bucket);
    if (this.buckets.size > MAX_CLIENTS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }

  private refill(client: string): Bucket | undefined {
    const bucket = this.buckets.get(client);
    if (!bucket) return undefined;
    const now = this.now();
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerS,
    );
    bucket.at = now;
    if (bucket.tokens >= this.burst) {
      this.buckets.delete(client);
      return undefined;
    }
    return bucket;
  }
}

/** The client a failure is counted against: its address, or its /64 for IPv6 (one machine
 * commonly holds a whole /64). */
export function clientKey(address: string | undefined): string {
  const a = (address ?? "").replace(/^::ffff:(?=\d+\.)/, "");
  if (!a.includes(":")) return a;
  const [head = "", tail = ""] = a.replace(/%.*$/, "").split("::");
  const left = head ? head.split(":") : [];
  const right = a.includes("::") && tail ? tail.split(":") : [];
  const groups = [
    ...left,
    ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"),
    ...right,
  ];
  return `${groups.slice(0, 4).join(":")}::/64`;
}

export const tooManyAttempts = () =>
  new TetherError(
    "too_many_attempts",
    "too many wrong credentials from this address; wait as Retry-After says, then try again",
  ).toBody();
