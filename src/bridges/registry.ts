// The chat bridges by platform name: each is a folder under src/bridges/ and a line here, loaded
// (with its SDK) only when its settings are set, so a daemon without bridges loads none of them.
import type { Config } from "../config/schema.js";
import type { Bridge } from "./types.js";

export interface BridgeEntry {
  /** True when the user has set this platform up (its token is set): the daemon opens it. */
  configured(config: Readonly<Config>): boolean;
  /** Imports the platform's folder and makes its bridge; called only when configured. */
  load(): Promise<Bridge>;
}

export type BridgeRegistry = Readonly<Record<string, BridgeEntry>>;

/** Each platform's folder, loaded when its token is set. */
export const BRIDGES: BridgeRegistry = {
  telegram: {
    configured: (c) => c.TELEGRAM_BOT_TOKEN !== undefined,
    load: async () => (await import("./telegram/bridge.js")).telegramBridge(),
  },
  slack: {
    configured: (c) => c.SLACK_BOT_TOKEN !== undefined,
    load: async () => (await import("./slack/bridge.js")).slackBridge(),
  },
  discord: {
    configured: (c) => c.DISCORD_BOT_TOKEN !== undefined,
    load: async () => (await import("./discord/bridge.js")).discordBridge(),
  },
};

/** The entries whose settings are set, by name, in the registry's order. */
export function configuredBridges(
  registry: BridgeRegistry,
  config: Readonly<Config>,
): [string, BridgeEntry][] {
  return Object.entries(registry).filter(([, entry]) => entry.configured(config));
}
