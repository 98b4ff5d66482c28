// What `tether start` checks before it says the Telegram bridge is up: the token is one
// Telegram accepts, and the group is a forum (one topic per session needs one) the bot can make
// topics in. A setting that is wrong is thrown as one line naming it; a Telegram that merely does
// not answer is left to the caller to retry.
import { bridgeSettingError } from "../host.js";
import { type Api, GrammyError, isRefusedToken } from "./telegram-api.js";

export interface TelegramSetup {
  /** The bot, as getMe says (grammY needs it to start polling). */
  me: Awaited<ReturnType<Api["getMe"]>>;
  chatId: number;
  chatTitle: string;
}

const TOKEN_HELP = "check the token @BotFather gave you (TELEGRAM_BOT_TOKEN)";
const GROUP_HELP =
  "make a supergroup with Topics turned on, add the bot as an admin allowed to manage topics, " +
  "and set its id (e.g. -1001234567890)";

/** Checks the token and the group; a StartupError for a wrong setting, any other error as it
 * came for a Telegram that did not answer. */
export async function checkSetup(api: Api, chatId: string): Promise<TelegramSetup> {
  let me: Awaited<ReturnType<Api["getMe"]>>;
  try {
    me = await api.getMe();
  } catch (error) {
    if (isRefusedToken(error)) {
      throw bridgeSettingError(
        "TELEGRAM_BOT_TOKEN",
        `TELEGRAM_BOT_TOKEN was refused by Telegram (${(error as GrammyError).error_code} ${(error as GrammyError).description}): ${TOKEN_HELP}`,
      );
    }
    throw error;
  }
  let chat: Awaited<ReturnType<Api["getChat"]>>;
  try {
    chat = await api.getChat(chatId);
  } catch (error) {
    // A Bot API server without getChat (a minimal self-hosted gateway, say): the group is taken
    // on trust, and a wrong one shows when the first topic cannot be made.
    if (error instanceof GrammyError && error.error_code === 404) {
      return { me, chatId: Number(chatId), chatTitle: chatId };
    }
    if (error instanceof GrammyError && error.error_code >= 400 && error.error_code < 500) {
      throw bridgeSettingError(
        "TELEGRAM_FORUM_GROUP_ID",
        `TELEGRAM_FORUM_GROUP_ID ${chatId}: Telegram says "${error.description}"; is the bot a member of that group? ${GROUP_HELP}`,
      );
    }
    throw error;
  }
  const title = "title" in chat && typeof chat.title === "string" ? chat.title : String(chat.id);
  if (chat.type !== "supergroup" || !("is_forum" in chat) || chat.is_forum !== true) {
    throw bridgeSettingError(
      "TELEGRAM_FORUM_GROUP_ID",
      `TELEGRAM_FORUM_GROUP_ID ${chatId} ("${title}") is not a forum: Tether opens a topic per session, so turn on Topics in the group's settings; ${GROUP_HELP}`,
    );
  }
  return { me, chatId: chat.id, chatTitle: title };
}
