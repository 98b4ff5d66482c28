// grammY, set up the way the bridge uses it, and what its errors mean to us. grammY's errors can
// carry the request URL, which holds the bot token: nothing here lets one out unredacted.
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError } from "grammy";

export type { Api, Context } from "grammy";
export { Bot, GrammyError, InputFile } from "grammy";

export interface BotSettings {
  token: string;
  apiRoot: string;
}

/** How long one Bot API call may take (a long poll holds ~30 s of it). */
const CALL_TIMEOUT_S = 60;

export function makeBot({ token, apiRoot }: BotSettings): Bot {
  // grammY throws on a trailing slash.
  const bot = new Bot(token, {
    client: { apiRoot: apiRoot.replace(/\/+$/, ""), timeoutSeconds: CALL_TIMEOUT_S },
  });
  // 429s wait as long as Telegram says (the batching makes the next message bigger meanwhile);
  // 5xx and network errors go back to the delivery cursor, which retries with its own backoff.
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: 5,
      maxDelaySeconds: 300,
      rethrowInternalServerErrors: true,
      rethrowHttpErrors: true,
    }),
  );
  return bot;
}

/** How the bridge sends every message: HTML, and no link previews (a phone screen is small). */
export const HTML = { parse_mode: "HTML", link_preview_options: { is_disabled: true } } as const;

/** The topic a message was sent to does not exist (any more). */
export const TOPIC_GONE = /message thread not found|TOPIC_DELETED|TOPIC_ID_INVALID/i;

/** Telegram will not do it, however often it is asked (a 4xx other than 429). */
export function isRefusal(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code >= 400 &&
    error.error_code < 500 &&
    error.error_code !== 429
  );
}

/** The Bot API refused the token (401), or does not know it (404 on every method). */
export function isRefusedToken(error: unknown): boolean {
  return error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);
}

/** Another getUpdates poller took over: a second Tether (or bot) runs with this token. */
export function isConflict(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 409;
}

/** An edit that would change nothing: the text is already there, which is what was wanted. */
export function isNotModified(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /message is not modified|TOPIC_NOT_MODIFIED/i.test(error.description)
  );
}

/** A 400 naming what Telegram could not find or do (a deleted topic, a missing message). */
export function badRequest(error: unknown): string | undefined {
  return error instanceof GrammyError && error.error_code === 400 ? error.description : undefined;
}

/** One line about a failed call, for the log and /api/health, with the token taken out. */
export function describeError(error: unknown, token: string): string {
  let text: string;
  if (error instanceof GrammyError) {
    text = `Telegram answered ${error.error_code}: ${error.description}`;
  } else if (error instanceof HttpError) {
    const cause = error.error instanceof Error ? error.error.message : String(error.error);
    text = `Telegram is unreachable (${cause})`;
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  return redact(text, token);
}

export function redact(text: string, token: string): string {
  if (token === "") return text;
  let out = text.split(token).join("<token>");
  // The token's secret half alone, as some messages may quote it.
  const secret = token.split(":")[1];
  if (secret && secret.length >= 8) out = out.split(secret).join("<token>");
  return out;
}
