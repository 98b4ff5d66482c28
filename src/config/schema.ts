import { delimiter, isAbsolute } from "node:path";
import { z } from "zod";
import { ADAPTER_NAMES, DEFAULT_ADAPTER } from "../shared/kinds.js";

const flag = z
  .enum(["0", "1", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

/** Parts of a URL that z.url() accepted; refinements run even when it did not. */
const urlOf = (u: string): URL | undefined => (URL.canParse(u) ? new URL(u) : undefined);

const optionalSecret = z.string().min(1).optional();

/** A positive whole number, e.g. a limit. */
const count = z.coerce
  .number({ error: "must be a whole number above 0" })
  .int("must be a whole number above 0")
  .min(1, "must be a whole number above 0");

export const MIN_TOKEN_LENGTH = 32;

/** A comma-separated list of a platform's user ids (empty: nobody listed). */
function idList(id: RegExp, message: string) {
  return z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(id, message)))
    .default([]);
}

/** Every setting, named as in the environment. Secrets are listed in SECRET_KEYS. */
export const ConfigSchema = z
  .object({
    TETHER_AGENT_HOST: z.string().min(1).default("0.0.0.0"),
    TETHER_AGENT_PORT: z.coerce
      .number({ error: "must be a whole number from 0 to 65535" })
      .int("must be a whole number from 0 to 65535")
      .min(0, "must be a whole number from 0 to 65535")
      .max(65535, "must be a whole number from 0 to 65535")
      .default(8787),
    /** Long enough that guessing it over the network is hopeless (a generated one has 43). */
    TETHER_AGENT_TOKEN: z
      .string()
      .min(
        MIN_TOKEN_LENGTH,
        `must be at least ${MIN_TOKEN_LENGTH} characters; unset it to let Tether make one, or use e.g. \`openssl rand -base64 32\``,
      )
      .optional(),
    /** Where the generated token is kept; loadConfig defaults it to `token` beside the config file. */
    TETHER_AGENT_TOKEN_FILE: z.string().min(1).optional(),
    TETHER_AGENT_DEV_MODE: flag.default(false),
    /** Connections the daemon holds at once, from everyone (default: from the open-files limit). */
    TETHER_MAX_CONNECTIONS: count.optional(),
    /** Connections one client address may hold at once. */
    TETHER_MAX_CONNECTIONS_PER_CLIENT: count.default(2000),
    /** How long a client may take to send a request's headers / the whole request. */
    TETHER_HEADERS_TIMEOUT_MS: count.default(10_000),
    TETHER_REQUEST_TIMEOUT_MS: count.default(30_000),
    TETHER_AGENT_ADAPTER: z
      .enum(ADAPTER_NAMES, { error: `must be one of ${ADAPTER_NAMES.join(", ")}` })
      .default(DEFAULT_ADAPTER),
    TETHER_AGENT_DATA_DIR: z.string().min(1).default("./data"),
    TETHER_AGENT_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    TELEGRAM_BOT_TOKEN: optionalSecret,
    TELEGRAM_FORUM_GROUP_ID: z
      .string()
      .regex(/^-?\d+$/, "must be a numeric chat id such as -1001234567890")
      .optional(),
    /** Telegram user ids allowed to answer from the group, comma-separated (empty: paired). */
    TELEGRAM_ALLOWED_USER_IDS: idList(
      /^\d{1,20}$/,
      "must be numeric Telegram user ids separated by commas, e.g. 12345678,87654321",
    ),
    /** The Bot API server: Telegram's, a self-hosted one, or a test's fake. */
    TELEGRAM_API_ROOT: z
      .url("must be a URL such as https://api.telegram.org")
      .refine(
        (u) => /^https?:$/.test(urlOf(u)?.protocol ?? "http:"),
        "must be an http:// or https:// URL such as https://api.telegram.org",
      )
      .transform((u) => u.replace(/\/+$/, ""))
      .default("https://api.telegram.org"),
    SLACK_BOT_TOKEN: optionalSecret,
    SLACK_APP_TOKEN: optionalSecret,
    SLACK_CHANNEL_ID: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, "must be a Slack channel id such as C0123456789")
      .optional(),
    /** Slack user ids allowed to answer in the channel, comma-separated (empty: paired). */
    SLACK_ALLOWED_USER_IDS: idList(
      /^[UW][A-Z0-9]{2,}$/,
      "must be Slack user ids (from a profile's ⋮ → Copy member ID) separated by commas, e.g. U0123ABCD,U0456EFGH",
    ),
    /** Slack's Web API (Socket Mode's apps.connections.open too): Slack's, or a test's fake. */
    SLACK_API_URL: z
      .url("must be a URL such as https://slack.com/api/")
      .refine(
        (u) => /^https?:$/.test(urlOf(u)?.protocol ?? "http:"),
        "must be an http:// or https:// URL such as https://slack.com/api/",
      )
      .transform((u) => `${u.replace(/\/+$/, "")}/`)
      .default("https://slack.com/api/"),
    DISCORD_BOT_TOKEN: optionalSecret,
    DISCORD_CHANNEL_ID: z.string().regex(/^\d+$/, "must be a numeric channel id").optional(),
    /** Discord user ids allowed to answer in the channel, comma-separated (empty: paired). */
    DISCORD_ALLOWED_USER_IDS: idList(
      /^\d{15,22}$/,
      "must be Discord user ids (Developer Mode → a profile → Copy User ID) separated by commas, e.g. 123456789012345678",
    ),
    /** Discord's REST API (the gateway's URL is asked of it): Discord's, or a test's fake. */
    DISCORD_API_URL: z
      .url("must be a URL such as https://discord.com/api")
      .refine(
        (u) => /^https?:$/.test(urlOf(u)?.protocol ?? "http:"),
        "must be an http:// or https:// URL such as https://discord.com/api",
      )
      .transform((u) => u.replace(/\/+$/, ""))
      .default("https://discord.com/api"),
    /** Every configured bridge opens a thread for every session (Tether's and external ones);
     * off: a session gets a thread only on its own `platform`. */
    TETHER_BRIDGE_ALL_SESSIONS: flag.default(true),
    /** Where `/new` from a chat starts a session (absolute); unset, a chat cannot start one. */
    TETHER_DEFAULT_DIR: z
      .string()
      .refine(isAbsolute, "must be an absolute directory such as /home/me/src")
      .optional(),
    TETHER_VAPID_SUBJECT: z
      .string()
      .regex(
        /^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/,
        "must be a mailto: address or an https:// URL that push services can reach you at",
      )
      .default("mailto:tether@localhost"),
    TETHER_NTFY_URL: z
      .url("must be an ntfy topic URL such as https://ntfy.sh/my-topic")
      .refine(
        (u) => /^https?:$/.test(urlOf(u)?.protocol ?? "http:"),
        "must be an http:// or https:// ntfy topic URL",
      )
      .refine(
        (u) => !urlOf(u) || /^[-_A-Za-z0-9]{1,64}$/.test(urlOf(u)!.pathname.split("/").pop() ?? ""),
        "must end in a topic name of letters, digits, - and _ (at most 64), e.g. https://ntfy.sh/my-topic",
      )
      .optional(),
    TETHER_NTFY_TOKEN: optionalSecret,
    /** How long the answer link behind an ntfy button works (src/notify/answer-links.ts). */
    TETHER_ANSWER_LINK_TTL_S: count.default(24 * 60 * 60),
    /** How long a terminal session's Stop hook holds the end of a turn open for a reply from
     * the phone (at most the hook's own timeout, 540 s; 0: never, replies wait for a turn's
     * end). */
    TETHER_TERMINAL_REPLY_WAIT_S: z.coerce
      .number({ error: "must be a whole number of seconds, 0 to 540" })
      .int("must be a whole number of seconds, 0 to 540")
      .min(0, "must be a whole number of seconds, 0 to 540")
      .max(540, "must be at most 540 (the installed Stop hook's timeout)")
      .default(540),
    /** Push endpoints on loopback, private and link-local addresses: for tests and self-hosted
     * push relays only (src/notify/push-endpoint.ts). */
    TETHER_PUSH_ALLOW_PRIVATE: flag.default(false),
    TETHER_PUBLIC_URL: z
      .url("must be a URL such as https://tether.example.com")
      .refine(
        (u) => /^https?:$/.test(urlOf(u)?.protocol ?? "http:"),
        "must be an http:// or https:// URL",
      )
      .optional(),
    /** Extra host names the daemon answers to (a reverse proxy's, a LAN name), comma-separated. */
    TETHER_ALLOWED_HOSTS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/,
              "must be host names or addresses separated by commas, e.g. tether.example.com,my-laptop.local",
            ),
        ),
      )
      .default([]),
    /** Directories sessions may run in (and below), separated like PATH; default: the home dir. */
    TETHER_ALLOWED_ROOTS: z
      .string()
      .transform((v) => v.split(delimiter).filter(Boolean))
      .pipe(
        z.array(
          z
            .string()
            .refine(isAbsolute, "must be absolute paths separated by the system's PATH delimiter"),
        ),
      )
      .optional(),
    /** Serve HTTPS with this certificate (PEM, the chain after it) and key (PEM, unencrypted);
     * both or neither. The files are checked at start (config/tls-files.ts). */
    TETHER_TLS_CERT: z.string().min(1).optional(),
    TETHER_TLS_KEY: z.string().min(1).optional(),
    /** Where the CLI and tether-mcp find the daemon; unset, this machine's daemon as the settings
     * describe it (client/settings.ts). */
    TETHER_API_URL: z.url("must be a URL such as http://localhost:8787").optional(),
  })
  .superRefine((c, ctx) => {
    // One without the other is a half-done setup: name the one that is missing.
    if (Boolean(c.TETHER_TLS_CERT) === Boolean(c.TETHER_TLS_KEY)) return;
    const [missing, given] = c.TETHER_TLS_CERT
      ? ["TETHER_TLS_KEY", "TETHER_TLS_CERT"]
      : ["TETHER_TLS_CERT", "TETHER_TLS_KEY"];
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: `must be set too when ${given} is: HTTPS needs the certificate and its key (or neither, for plain HTTP)`,
    });
  });

/** As loadConfig returns it: TETHER_AGENT_TOKEN_FILE always set (its default needs the env). */
export type Config = Omit<z.output<typeof ConfigSchema>, "TETHER_AGENT_TOKEN_FILE"> & {
  TETHER_AGENT_TOKEN_FILE: string;
};
export type ConfigKey = keyof Config;
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set([
  "TETHER_AGENT_TOKEN",
  "TELEGRAM_BOT_TOKEN",
  "SLACK_BOT_TOKEN",
  "SLACK_APP_TOKEN",
  "DISCORD_BOT_TOKEN",
  "TETHER_NTFY_TOKEN",
  // On a public ntfy server the topic name is the password: whoever knows it reads along.
  "TETHER_NTFY_URL",
]);
