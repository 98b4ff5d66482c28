// Start-up checks: the bot token (auth.test) and the channel (conversations.info: it exists, the
// bot is in it, it is not archived). What the user must fix in Slack comes back as one line that
// names it; Slack being unreachable is thrown as it is, and the bridge tries again. The same
// lines say what is wrong when the set-up changes under a live bridge (the bot is removed from
// the channel, a token revoked).
import { SetupProblem } from "../setup-retry.js";
import { neededScope, platformError, REFUSED_TOKEN, type WebClient } from "./slack-api.js";

export interface SlackSetup {
  /** The bot's user (U…) and bot (B…) ids: its own messages are ignored. */
  botUserId: string;
  /** Its name, for `/invite @name`. */
  botName: string | undefined;
  botId: string | undefined;
  teamId: string | undefined;
  channelId: string;
  channelName: string;
}

export async function checkSetup(client: WebClient, channelId: string): Promise<SlackSetup> {
  let auth: Awaited<ReturnType<WebClient["auth"]["test"]>>;
  try {
    auth = await client.auth.test();
  } catch (error) {
    throw refusal(error, "SLACK_BOT_TOKEN") ?? error;
  }
  let info: Awaited<ReturnType<WebClient["conversations"]["info"]>>;
  try {
    info = await client.conversations.info({ channel: channelId });
  } catch (error) {
    const code = platformError(error);
    if (code === "channel_not_found") {
      throw new SetupProblem(notVisible(channelId, auth.user), true);
    }
    throw refusal(error, "SLACK_BOT_TOKEN") ?? error;
  }
  const channel = info.channel;
  const name = channel?.name ?? channelId;
  if (channel?.is_archived) throw new SetupProblem(archived(channelId, name), true);
  if (channel?.is_member === false) {
    throw new SetupProblem(notMember(name, auth.user), true);
  }
  return {
    botUserId: auth.user_id ?? "",
    botName: auth.user,
    botId: auth.bot_id,
    teamId: auth.team_id,
    channelId,
    channelName: channel?.name ?? channelId,
  };
}

/** What a refusal of a live bridge's call means the user must fix, as the same line the
 * start-up check would say; undefined for any other error. */
export function setupRefusal(error: unknown, setup: SlackSetup): string | undefined {
  const code = platformError(error);
  if (code === "not_in_channel") return notMember(setup.channelName, setup.botName);
  if (code === "is_archived") return archived(setup.channelId, setup.channelName);
  if (code === "channel_not_found") return notVisible(setup.channelId, setup.botName);
  if (code !== undefined && (REFUSED_TOKEN.test(code) || code === "missing_scope")) {
    return refusal(error, "SLACK_BOT_TOKEN")?.message;
  }
  return undefined;
}

const notVisible = (channelId: string, bot: string | undefined) =>
  `SLACK_CHANNEL_ID ${channelId} is not a channel the bot can see: check the id (channel details → the bottom of "About"), and for a private channel invite the bot first (/invite @${bot ?? "your bot"})`;

const archived = (channelId: string, name: string) =>
  `SLACK_CHANNEL_ID ${channelId} (#${name}) is archived: unarchive it or choose another channel`;

const notMember = (name: string, bot: string | undefined) =>
  `the Slack bot is not in #${name} (SLACK_CHANNEL_ID): invite it there with /invite @${bot ?? "your bot"}`;

/** A refused token or a missing scope, as the one line that says what to fix. */
export function refusal(error: unknown, setting: string): SetupProblem | undefined {
  const code = platformError(error);
  if (code === undefined) return undefined;
  if (REFUSED_TOKEN.test(code)) {
    const kind =
      setting === "SLACK_APP_TOKEN"
        ? "an app-level token (xapp-…) with the connections:write scope, from Basic Information → App-Level Tokens"
        : "the Bot User OAuth Token (xoxb-…) from OAuth & Permissions";
    return new SetupProblem(`${setting} was refused by Slack (${code}): it must be ${kind}`, false);
  }
  if (code === "missing_scope") {
    const scope = neededScope(error) ?? "a scope";
    return new SetupProblem(
      `the Slack app lacks the ${scope} scope: add it under OAuth & Permissions (or in the manifest the README gives) and reinstall the app`,
      true,
    );
  }
  return new SetupProblem(`Slack refused the bridge's set-up: ${code}`, true);
}
