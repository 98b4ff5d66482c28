// One-time codes that let a chat user pair with one platform's bridge by sending `/pair <code>`:
// made by the daemon (printed at start, or asked for with `tether bridges pair`), typed on a
// phone. A code is a credential, so it is random, short-lived, spent on first use, compared in
// constant time, and never logged; and guessing is cut short: a few wrong codes void them all.
import { createHash, randomInt, timingSafeEqual } from "node:crypto";

/** 8 digits, shown as `4821-7730`: one keypad on a phone, 10^8 possibilities. */
const DIGITS = 8;
export const PAIRING_CODE_TTL_MS = 60 * 60 * 1000;
/** More than one may be wanted (two people pairing, a code asked for twice); a new one past
 * this many replaces the oldest. */
export const MAX_OUTSTANDING_CODES = 3;
/** The wrong code that makes this many within WRONG_TRY_WINDOW_MS voids every code of the
 * platform, so a guesser gets at most this many tries at the (at most 3) codes: odds of 15 in
 * 10^8, and the user then asks for a new code. */
export const MAX_WRONG_TRIES = 5;
export const WRONG_TRY_WINDOW_MS = 10 * 60 * 1000;

export interface IssuedCode {
  /** `4821-7730`. */
  code: string;
  /** ISO time after which it is refused. */
  expires_at: string;
}

/** What a `/pair` attempt came to: paired, a wrong (or expired, or spent) code, or the wrong
 * code that used up the tries and voided every outstanding code. */
export type Redeemed = "ok" | "wrong" | "voided";

export interface PairingCodesOptions {
  now?: () => number;
  ttlMs?: number;
}

interface Outstanding {
  /** SHA-256 of the digits: compared whole, in constant time, whatever was typed. */
  digest: Buffer;
  expiresAt: number;
}

/** The codes of one platform. */
export class PairingCodes {
  private codes: Outstanding[] = [];
  private wrongTries: number[] = [];
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(options: PairingCodesOptions = {}) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? PAIRING_CODE_TTL_MS;
  }

  /** A new code, valid once for an hour; the oldest is dropped past MAX_OUTSTANDING_CODES. */
  issue(): IssuedCode {
    this.dropExpired();
    const digits = String(randomInt(0, 10 ** DIGITS)).padStart(DIGITS, "0");
    const expiresAt = this.now() + this.ttlMs;
    this.codes.push({ digest: digestOf(digits), expiresAt });
    if (this.codes.length > MAX_OUTSTANDING_CODES) this.codes.shift();
    return {
      code: `${digits.slice(0, 4)}-${digits.slice(4)}`,
      expires_at: new Date(expiresAt).toISOString(),
    };
  }

  /** Spends the code `typed` names, if it is outstanding: typed as shown, or without the dash,
   * with spaces, in full-width digits from a phone keyboard… */
  redeem(typed: string): Redeemed {
    this.dropExpired();
    const digest = digestOf(normalized(typed));
    // Every code is compared, so the time taken says nothing about which one matched.
    let match = -1;
    for (const [i, code] of this.codes.entries()) {
      if (timingSafeEqual(code.digest, digest)) match = i;
    }
    if (match >= 0) {
      this.codes.splice(match, 1);
      return "ok";
    }
    const now = this.now();
    this.wrongTries = this.wrongTries.filter((t) => now - t < WRONG_TRY_WINDOW_MS);
    this.wrongTries.push(now);
    if (this.wrongTries.length < MAX_WRONG_TRIES) return "wrong";
    // The next code made starts with the full number of tries again.
    this.codes = [];
    this.wrongTries = [];
    return "voided";
  }

  /** How many codes can still be used. */
  outstanding(): number {
    this.dropExpired();
    return this.codes.length;
  }

  private dropExpired(): void {
    const now = this.now();
    this.codes = this.codes.filter((c) => c.expiresAt > now);
  }
}

/** The digits of what was typed, dashes, dots and spaces dropped (NFKC turns full-width digits
 * into ASCII ones). Anything else stays, so it cannot match. */
function normalized(typed: string): string {
  return typed.normalize("NFKC").replace(/[\s.\-\u2010-\u2015]/g, "");
}

function digestOf(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
