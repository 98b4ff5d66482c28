// Answer links: the URL behind an "Approve" button on an ntfy notification. ntfy's app sends that
// request itself, with no cookie and no token (and the daemon token must never be in a URL), so
// the URL carries its own authority: a capability for one option of one approval, until an
// expiry, signed with a key only this daemon has. Single use comes from the approval itself: the
// first answer wins, so a link used again (or a sibling link for another option) gets the 409
// naming who answered.
//
// A capability is `<approval id>.<option index>.<expiry, unix seconds>.<MAC>`: the MAC is
// HMAC-SHA256 over the other three, cut to 128 bits. The approval's options never change, so
// the index names exactly one option, and keeps the URL short whatever the option says.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TetherError } from "../core/errors.js";

export const ANSWER_LINK_KEY_FILE = "answer-links.key";
const KEY_BYTES = 32;
const MAC_BYTES = 16;
const CAPABILITY = /^([A-Za-z0-9_]{1,64})\.(\d{1,2})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/;

/** What a valid capability stands for. */
export interface AnswerLinkGrant {
  approvalId: string;
  optionIndex: number;
}

export class AnswerLinks {
  constructor(
    private readonly key: Buffer,
    /** TETHER_ANSWER_LINK_TTL_S: how long a link works after it was made. */
    private readonly ttlS: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A capability answering approval `approvalId` with its option number `optionIndex`. */
  make(approvalId: string, optionIndex: number): string {
    const expires = Math.floor(this.now() / 1000) + this.ttlS;
    const claim = `${approvalId}.${optionIndex}.${expires}`;
    return `${claim}.${this.macText(claim).toString()}`;
  }

  /** What `capability` grants; a 403 when this daemon did not make it (or it was changed), a
   * 410 once it expired. The messages never quote the capability: it is a credential. */
  open(capability: string): AnswerLinkGrant {
    const parts = CAPABILITY.exec(capability);
    // Compared as text, not as decoded bytes: base64url's last character has spare bits, and a
    // link with other spare bits is a changed link too.
    const given = Buffer.from(parts?.[4] ?? "");
    const expected = parts ? this.macText(`${parts[1]}.${parts[2]}.${parts[3]}`) : Buffer.alloc(0);
    if (!parts || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new TetherError(
        "answer_link_invalid",
        "this answer link is not valid: it was changed, or another Tether made it; open Tether to answer",
      );
    }
    const expires = Number(parts[3]);
    if (Math.floor(this.now() / 1000) > expires) {
      throw new TetherError(
        "answer_link_expired",
        `this answer link expired at ${new Date(expires * 1000).toISOString()}; open Tether to answer`,
        { details: { expired_at: new Date(expires * 1000).toISOString() } },
      );
    }
    return { approvalId: parts[1]!, optionIndex: Number(parts[2]) };
  }

  /** The MAC of `claim`, base64url, as the bytes of its text. */
  private macText(claim: string): Buffer {
    const mac = createHmac("sha256", this.key)
      .update(`tether-answer-link/v1|${claim}`)
      .digest()
      .subarray(0, MAC_BYTES);
    return Buffer.from(mac.toString("base64url"));
  }
}

/** The signing key: made on first start, kept (0600) in the data dir, so links in notifications
 * sent before a restart still work after it. A damaged file is replaced: that costs only the
 * links already sent (their buttons then say "not valid"), never an answer. */
export function loadOrCreateAnswerLinkKey(dataDir: string): Buffer {
  const path = join(dataDir, ANSWER_LINK_KEY_FILE);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64url");
    if (key.length === KEY_BYTES) return key;
  }
  const key = randomBytes(KEY_BYTES);
  const tmp = `${path}.${process.pid}.tmp`;
  // Created 0600 from the start, as the VAPID key is (vapid-keys.ts).
  writeFileSync(tmp, `${key.toString("base64url")}\n`, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return key;
}
