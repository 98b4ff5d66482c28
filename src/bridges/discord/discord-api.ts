// @discordjs/core, rest and ws, set up the way the bridge uses them, and what Discord's errors
// mean to us. Discord's types stay in this folder; the rest of Tether sees the bridge.
import { Client, GatewayIntentBits } from "@discordjs/core";
import { DiscordAPIError, HTTPError, REST } from "@discordjs/rest";
import { type SessionInfo, WebSocketManager } from "@discordjs/ws";

export type { API, Client } from "@discordjs/core";

/** What the bridge reads: guild messages (thread replies, with their content) and the
 * interactions (clicks, commands) the gateway sends anyway. MessageContent is privileged: it
 * must be switched on in the Developer Portal (Bot → Privileged Gateway Intents). */
export const INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

export interface DiscordSettings {
  token: string;
  /** The REST API's base (`https://discord.com/api`); the gateway's URL is asked of it. */
  apiUrl: string;
}

export interface DiscordConnection {
  client: Client;
  rest: REST;
  gateway: WebSocketManager;
}

/** A REST call may take this long before it counts as failed. */
const CALL_TIMEOUT_MS = 15_000;

export function connectDiscord(s: DiscordSettings): DiscordConnection {
  // 429s are waited out by the library (as long as Discord says); 5xx and network errors are
  // tried a few times, then the delivery cursor retries with its own backoff.
  const rest = new REST({ api: s.apiUrl, version: "10", retries: 2, timeout: CALL_TIMEOUT_MS });
  rest.setToken(s.token);
  // Resume state per bridge, not the library's process-wide default (a second manager in one
  // process would try to resume the first one's session).
  const sessions = new Map<number, SessionInfo>();
  const gateway = new WebSocketManager({
    token: s.token,
    rest,
    intents: INTENTS,
    retrieveSessionInfo: (shard) => sessions.get(shard) ?? null,
    updateSessionInfo: (shard, info) => {
      if (info) sessions.set(shard, info);
      else sessions.delete(shard);
    },
  });
  return { client: new Client({ rest, gateway }), rest, gateway };
}

export async function disconnectDiscord(c: DiscordConnection): Promise<void> {
  try {
    await c.gateway.destroy();
  } catch {
    // Already closed, or never connected.
  }
}

/** Discord's error code (`10003` Unknown Channel, `50013` Missing Permissions, …) of a refusal. */
export function discordCode(error: unknown): number | undefined {
  return error instanceof DiscordAPIError && typeof error.code === "number"
    ? error.code
    : undefined;
}

/** The HTTP status of a refusal or a failed call. */
export function discordStatus(error: unknown): number | undefined {
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error.status;
  return undefined;
}

/** What went wrong, for a log or health, with the token taken out. */
export function describeError(error: unknown, token: string): string {
  let text =
    error instanceof DiscordAPIError
      ? `Discord refused: ${error.message} (code ${error.code}, HTTP ${error.status})`
      : error instanceof Error
        ? error.message
        : String(error);
  if (token) text = text.split(token).join("[token]");
  return text;
}
