// Push and bridge settings: the schema already checked each value's form when the config
// loaded; here, whether they fit together and look like what each service hands out. Secrets
// are never echoed, only named.
import type { Config } from "../../config/schema.js";
import { type Check, failed, ok, warn } from "./check.js";

export function checkPush(config: Config): Check[] {
  const checks: Check[] = [];
  checks.push(
    config.TETHER_VAPID_SUBJECT === "mailto:tether@localhost"
      ? warn(
          "web push",
          "TETHER_VAPID_SUBJECT is the placeholder mailto:tether@localhost; set your own mailto: address or https:// URL, which push services may require",
        )
      : ok("web push", `VAPID subject ${config.TETHER_VAPID_SUBJECT}`),
  );
  if (config.TETHER_NTFY_URL) {
    // The topic is the secret on a public server: show where, not which.
    checks.push(ok("ntfy", `topic on ${new URL(config.TETHER_NTFY_URL).origin}`));
  }
  checks.push(
    config.TETHER_PUBLIC_URL
      ? ok("public url", config.TETHER_PUBLIC_URL)
      : warn(
          "public url",
          "TETHER_PUBLIC_URL is not set, so notifications link to http://localhost:8787, which a phone cannot open; set it to the address your phone uses",
        ),
  );
  return checks;
}

interface Bridge {
  name: string;
  /** Setting → the form its value must have (undefined: any), and what that form is. */
  settings: Record<string, { form?: RegExp; says?: string }>;
}

const BRIDGES: readonly Bridge[] = [
  {
    name: "telegram",
    settings: {
      TELEGRAM_BOT_TOKEN: {
        form: /^\d+:[\w-]{30,}$/,
        says: "a bot token from @BotFather (123456:ABC…)",
      },
      TELEGRAM_FORUM_GROUP_ID: {},
    },
  },
  {
    name: "slack",
    settings: {
      SLACK_BOT_TOKEN: { form: /^xoxb-[\w-]+$/, says: "a bot token starting xoxb-" },
      SLACK_APP_TOKEN: { form: /^xapp-[\w-]+$/, says: "an app-level token starting xapp-" },
      SLACK_CHANNEL_ID: { form: /^[CGD][A-Z0-9]{6,}$/, says: "a channel id such as C0123456789" },
    },
  },
  {
    name: "discord",
    settings: {
      DISCORD_BOT_TOKEN: {
        form: /^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/,
        says: "a bot token of three dot-separated parts",
      },
      DISCORD_CHANNEL_ID: {},
    },
  },
];

export function checkBridges(config: Config): Check[] {
  const values = config as unknown as Record<string, string | undefined>;
  const checks: Check[] = [];
  for (const bridge of BRIDGES) {
    const keys = Object.keys(bridge.settings);
    const set = keys.filter((k) => values[k] !== undefined);
    if (set.length === 0) continue;
    const missing = keys.filter((k) => values[k] === undefined);
    if (missing.length > 0) {
      checks.push(
        failed(
          bridge.name,
          `${set.join(", ")} set but not ${missing.join(", ")}; set ${missing.length > 1 ? "them" : "it"} too, or unset the rest`,
        ),
      );
      continue;
    }
    const wrong = keys.filter((k) => {
      const form = bridge.settings[k]!.form;
      return form !== undefined && !form.test(values[k]!);
    });
    checks.push(
      wrong.length > 0
        ? failed(
            bridge.name,
            wrong.map((k) => `${k} does not look like ${bridge.settings[k]!.says}`).join("; "),
          )
        : ok(bridge.name, `configured (${keys.join(", ")})`),
    );
  }
  if (checks.length === 0) checks.push(ok("bridges", "none configured (Telegram, Slack, Discord)"));
  return checks;
}
