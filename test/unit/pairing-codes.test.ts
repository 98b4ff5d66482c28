// The one-time codes a chat user pairs with: random, readable on a phone, good for one use and
// one hour, and voided all at once when too many wrong ones are tried, so they cannot be guessed.
import { describe, expect, it } from "vitest";
import {
  MAX_OUTSTANDING_CODES,
  MAX_WRONG_TRIES,
  PAIRING_CODE_TTL_MS,
  PairingCodes,
  WRONG_TRY_WINDOW_MS,
} from "../../dist/bridges/pairing-codes.js";
import { pairingNotice } from "../../dist/bridges/pairing-notice.js";

/** A clock the test moves. */
function clock(start = Date.UTC(2026, 11, 1, 12)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A code that is not `code`: its last digit changed. */
function wrongOf(code: string): string {
  const last = Number(code.at(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

describe("pairing codes", () => {
  it("are 8 random digits shown as 4821-7730, expiring in an hour", () => {
    const t = clock();
    const codes = new PairingCodes({ now: t.now });
    const issued = Array.from({ length: 3 }, () => codes.issue());
    for (const { code, expires_at } of issued) {
      expect(code).toMatch(/^\d{4}-\d{4}$/);
      expect(Date.parse(expires_at)).toBe(t.now() + PAIRING_CODE_TTL_MS);
    }
    expect(new Set(issued.map((i) => i.code)).size).toBe(3);
  });

  it("pair once: a second use of the same code fails", () => {
    const codes = new PairingCodes();
    const { code } = codes.issue();
    expect(codes.redeem(code)).toBe("ok");
    expect(codes.redeem(code)).toBe("wrong");
    expect(codes.outstanding()).toBe(0);
  });

  it("may be typed without the dash, with spaces, or in full-width digits", () => {
    const codes = new PairingCodes();
    const a = codes.issue().code;
    const b = codes.issue().code;
    const c = codes.issue().code;
    expect(codes.redeem(a.replace("-", ""))).toBe("ok");
    expect(codes.redeem(` ${b.replace("-", " ")} `)).toBe("ok");
    const fullWidth = [...c].map((ch) =>
      /\d/.test(ch) ? String.fromCharCode(0xff10 + Number(ch)) : ch,
    );
    expect(codes.redeem(fullWidth.join(""))).toBe("ok");
  });

  it("expire after an hour, unused", () => {
    const t = clock();
    const codes = new PairingCodes({ now: t.now });
    const early = codes.issue().code;
    const late = codes.issue().code;
    t.advance(PAIRING_CODE_TTL_MS - 1);
    expect(codes.redeem(early)).toBe("ok");
    t.advance(1);
    expect(codes.redeem(late)).toBe("wrong");
  });

  it(`keep at most ${MAX_OUTSTANDING_CODES} outstanding: a new one replaces the oldest`, () => {
    const codes = new PairingCodes();
    const issued = Array.from({ length: MAX_OUTSTANDING_CODES + 1 }, () => codes.issue().code);
    expect(codes.outstanding()).toBe(MAX_OUTSTANDING_CODES);
    expect(codes.redeem(issued[0]!)).toBe("wrong");
    for (const code of issued.slice(1)) expect(codes.redeem(code)).toBe("ok");
  });

  it(`are all voided by the ${MAX_WRONG_TRIES}th wrong code within 10 minutes`, () => {
    const t = clock();
    const codes = new PairingCodes({ now: t.now });
    const { code } = codes.issue();
    const other = codes.issue().code;
    for (let i = 1; i < MAX_WRONG_TRIES; i++) expect(codes.redeem(wrongOf(code))).toBe("wrong");
    expect(codes.redeem("not even digits")).toBe("voided");
    expect(codes.outstanding()).toBe(0);
    // A new code starts with the full number of tries, and the voided ones stay void: a guesser
    // who got lucky now gets nothing.
    const fresh = codes.issue().code;
    for (let i = 1; i < MAX_WRONG_TRIES - 2; i++)
      expect(codes.redeem(wrongOf(fresh))).toBe("wrong");
    expect(codes.redeem(code)).toBe("wrong");
    expect(codes.redeem(other)).toBe("wrong");
    expect(codes.redeem(fresh)).toBe("ok");
  });

  it("forget wrong codes older than the window", () => {
    const t = clock();
    const codes = new PairingCodes({ now: t.now });
    const { code } = codes.issue();
    for (let i = 1; i < MAX_WRONG_TRIES; i++) expect(codes.redeem(wrongOf(code))).toBe("wrong");
    t.advance(WRONG_TRY_WINDOW_MS);
    expect(codes.redeem(wrongOf(code))).toBe("wrong");
    expect(codes.redeem(code)).toBe("ok");
  });
});

describe("the start-up notice", () => {
  it("gives the code and the allow-list setting, and without the code says how to get one", () => {
    const notice = pairingNotice("telegram", "4821-7730", {
      command: "/pair",
      where: "in the bot's group",
    });
    expect(notice.text).toBe(
      'Telegram: nobody may answer yet. Send "/pair 4821-7730" in the bot\'s group (one use, within 1 hour; `tether bridges pair telegram` makes another), or set TELEGRAM_ALLOWED_USER_IDS',
    );
    expect(notice.withoutCode).toBe(
      'Telegram: nobody may answer yet. Run `tether bridges pair telegram` in a terminal for a one-time code to send as "/pair <code>" in the bot\'s group, or set TELEGRAM_ALLOWED_USER_IDS',
    );
    // A platform without an allow-list setting is not told to set one; one that does not say
    // how it pairs gets /pair, sent where its bot is.
    expect(pairingNotice("fake", "4821-7730").text).toBe(
      'Fake: nobody may answer yet. Send "/pair 4821-7730" where the fake bot is (one use, within 1 hour; `tether bridges pair fake` makes another)',
    );
  });
});
