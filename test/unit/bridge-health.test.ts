// A bridge's health: connected unless something is failing now, the newest error kept, and the
// time it last changed state; and grammY's errors said without the bot token.
import { describe, expect, it } from "vitest";
import { HealthTracker } from "../../dist/bridges/health.js";
import { describeError, redact } from "../../dist/bridges/telegram/telegram-api.js";

describe("HealthTracker", () => {
  it("is connected once up, retrying while anything fails, connected when all recovered", () => {
    let backlog = 0;
    const health = new HealthTracker(() => backlog);
    expect(health.snapshot()).toMatchObject({ state: "starting", last_error: null });
    health.up();
    expect(health.snapshot().state).toBe("connected");
    health.failed("polling", "Telegram is unreachable (ECONNREFUSED)");
    health.failed("session s1", "Telegram answered 500: Internal Server Error");
    backlog = 7;
    expect(health.snapshot()).toMatchObject({
      state: "retrying",
      last_error: "Telegram answered 500: Internal Server Error",
      backlog: 7,
    });
    health.recovered("polling");
    expect(health.snapshot().state).toBe("retrying");
    health.forget((what) => what === "session s1");
    expect(health.snapshot().state).toBe("connected");
    // The last error stays, for whoever wonders what happened.
    expect(health.snapshot().last_error).toMatch(/500/);
  });

  it("says retrying with why before it is up, and stopped at the end", () => {
    const health = new HealthTracker(() => 0);
    health.waiting("Telegram is unreachable (ETIMEDOUT)");
    const waiting = health.snapshot();
    expect(waiting).toMatchObject({
      state: "retrying",
      last_error: expect.stringMatching(/ETIMEDOUT/),
    });
    health.up();
    expect(health.snapshot().state).toBe("connected");
    expect(Date.parse(health.snapshot().since)).toBeGreaterThanOrEqual(Date.parse(waiting.since));
    health.stopped();
    expect(health.snapshot().state).toBe("stopped");
  });
});

describe("Telegram errors, said without the token", () => {
  const token = "123456789:AAFakeSecretHalfOfTheToken_xyz";

  it("takes the token, and its secret half alone, out of any text", () => {
    const text = `request to http://x/bot${token}/getMe failed; secret AAFakeSecretHalfOfTheToken_xyz`;
    const out = redact(text, token);
    expect(out).not.toContain("AAFakeSecretHalfOfTheToken_xyz");
    expect(out).toContain("/bot<token>/getMe");
  });

  it("describes a failed fetch without the URL's token", () => {
    const error = new Error(
      `request to http://127.0.0.1:1/bot${token}/getMe failed, reason: ECONNREFUSED`,
    );
    expect(describeError(error, token)).not.toContain("AAFake");
    expect(describeError(error, token)).toContain("ECONNREFUSED");
  });
});
