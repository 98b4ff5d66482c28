// Start-up of the Telegram bridge in the real daemon against the fake Bot API: a token Telegram
// refuses or a group that is not a forum stops `tether start` with one line naming the setting
// (and never the token); a good set-up is `connected` in /api/health.
import { expect, it } from "vitest";
import { StartupError } from "../../dist/startup-error.js";
import { GROUP_CHAT } from "../fakes/telegram.js";
import { tempDir } from "../helpers/daemon.js";
import { bridgesHealth, useTelegram } from "../helpers/telegram.js";

const tg = useTelegram();

/** Start-up with these Telegram settings must fail; returns the error. */
async function failedStart(env: Record<string, string>): Promise<unknown> {
  const dir = tempDir("tether-tg-startup-");
  try {
    return await tg.daemon({ env, dataDir: dir.path }).then(
      () => new Error("the daemon started"),
      (error: unknown) => error,
    );
  } finally {
    dir.remove();
  }
}

it("is connected in /api/health once the token and the forum group check out", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  expect(await bridgesHealth(d)).toEqual([
    {
      name: "telegram",
      state: "connected",
      since: expect.any(String),
      last_error: null,
      backlog: 0,
    },
  ]);
  expect(fake.callsOf("getMe").length).toBeGreaterThan(0);
});

it("stops start-up naming TELEGRAM_BOT_TOKEN, without the token, when Telegram refuses it", async () => {
  await tg.fake();
  const wrong = "987654321:AAWrongTokenThatTelegramDoesNotKnow_yyyy";
  const error = await failedStart({ TELEGRAM_BOT_TOKEN: wrong });
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as Error).message;
  expect(message).toContain("TELEGRAM_BOT_TOKEN");
  expect(message).not.toContain(wrong);
  expect(message).not.toContain("AAWrongToken");
  expect(message.split("\n")).toHaveLength(1);
});

it("stops start-up naming TELEGRAM_FORUM_GROUP_ID when the group is not a forum", async () => {
  const fake = await tg.fake();
  const error = await failedStart({ TELEGRAM_FORUM_GROUP_ID: String(GROUP_CHAT.id) });
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as Error).message;
  expect(message).toContain("TELEGRAM_FORUM_GROUP_ID");
  expect(message).not.toContain(fake.token);
  expect(message.split("\n")).toHaveLength(1);
});

it("stops start-up naming TELEGRAM_FORUM_GROUP_ID when the bot is in no such group", async () => {
  const fake = await tg.fake();
  const error = await failedStart({ TELEGRAM_FORUM_GROUP_ID: "-1009999999999" });
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as Error).message;
  expect(message).toContain("TELEGRAM_FORUM_GROUP_ID");
  expect(message).not.toContain(fake.token);
});
