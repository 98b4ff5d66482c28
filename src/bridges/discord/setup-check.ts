// Start-up checks: the bot token (GET /users/@me) and the channel (GET /channels/:id: it exists,
// the bot sees it, it is a text channel threads can be made in). What the user must fix comes
// back as one line that names it; Discord being unreachable is thrown as it is, and the bridge
// tries again.
import { SetupProblem } from "../setup-retry.js";
import { type API, discordCode, discordStatus } from "./discord-api.js";

export interface DiscordSetup {
  botUserId: string;
  botName: string;
  applicationId: string;
  channelId: string;
  channelName: string;
  guildId: string;
}

/** Guild text (0) and announcement (5) channels can hold public threads. */
const THREAD_PARENTS = new Set([0, 5]);

export async function checkSetup(api: API, channelId: string): Promise<DiscordSetup> {
  let me: Awaited<ReturnType<API["users"]["getCurrent"]>>;
  try {
    me = await api.users.getCurrent();
  } catch (error) {
    throw refusedToken(error) ?? error;
  }
  let channel: Awaited<ReturnType<API["channels"]["get"]>>;
  try {
    channel = await api.channels.get(channelId);
  } catch (error) {
    const code = discordCode(error);
    if (code === 10003 || code === 50001 || discordStatus(error) === 404) {
      throw new SetupProblem(
        `DISCORD_CHANNEL_ID ${channelId} is not a channel the bot can see: check the id (Developer Mode → right-click the channel → Copy Channel ID) and that the bot is in that server with View Channel`,
        true,
      );
    }
    throw refusedToken(error) ?? error;
  }
  if (!THREAD_PARENTS.has(channel.type) || !("guild_id" in channel) || !channel.guild_id) {
    throw new SetupProblem(
      `DISCORD_CHANNEL_ID ${channelId} is not a server text channel: the Discord bridge opens a thread per session in one`,
      true,
    );
  }
  const application = await api.applications.getCurrent().catch(() => undefined);
  return {
    botUserId: me.id,
    botName: me.username,
    applicationId: application?.id ?? me.id,
    channelId,
    channelName: "name" in channel && channel.name ? channel.name : channelId,
    guildId: channel.guild_id,
  };
}

/** A token Discord does not take, as the one line that says what to fix. */
export function refusedToken(error: unknown): SetupProblem | undefined {
  if (discordStatus(error) !== 401) return undefined;
  return new SetupProblem(
    "DISCORD_BOT_TOKEN was refused by Discord (401 Unauthorized): it must be the bot's token from the Developer Portal (Bot → Reset Token)",
    false,
  );
}
