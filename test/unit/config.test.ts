// Configuration: defaults → config file → .env → environment, validated once, frozen; a bad
// value fails with one line naming the variable, and secrets never show.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../../dist/config/load.js";
import { ADAPTER_NAMES } from "../../dist/shared/kinds.js";
import { tempDir } from "../helpers/daemon.js";

let dir: ReturnType<typeof tempDir>;
let configFile: string;

beforeEach(() => {
  dir = tempDir("tether-config-");
  configFile = join(dir.path, "config.json");
});
afterEach(() => dir.remove());

function writeConfigFile(content: unknown) {
  writeFileSync(configFile, typeof content === "string" ? content : JSON.stringify(content));
}

function writeDotenv(lines: Record<string, string>) {
  const text = Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  writeFileSync(join(dir.path, ".env"), `${text}\n`);
}

function load(env: Record<string, string> = {}) {
  return loadConfig({ env, cwd: dir.path, configFile });
}

/** The ConfigError that loading throws. */
function configError(env: Record<string, string> = {}): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

/** True when any `window`-character piece of `secret` appears in `text`. */
function leaks(text: string, secret: string, window = 5): boolean {
  for (let i = 0; i + window <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + window))) return true;
  }
  return false;
}

describe("loadConfig", () => {
  it("has the documented defaults when nothing is set", () => {
    const config = load();
    expect(config).toMatchObject({
      TETHER_AGENT_HOST: "0.0.0.0",
      TETHER_AGENT_PORT: 8787,
      TETHER_AGENT_ADAPTER: "claude_auto",
      TETHER_AGENT_DATA_DIR: "./data",
      TETHER_AGENT_DEV_MODE: false,
    });
    // The clients derive it from the daemon's own settings (port, TLS): client/settings.ts.
    expect(config.TETHER_API_URL).toBeUndefined();
    expect(config.TETHER_TLS_CERT).toBeUndefined();
    expect(config.TETHER_AGENT_TOKEN).toBeUndefined();
    expect(config.TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(config).toMatchObject({
      TETHER_MAX_CONNECTIONS_PER_CLIENT: 2000,
      TETHER_HEADERS_TIMEOUT_MS: 10_000,
      TETHER_REQUEST_TIMEOUT_MS: 30_000,
    });
    expect(config.TETHER_MAX_CONNECTIONS).toBeUndefined(); // derived from the open-files limit
  });

  it("reads the chat-bridge settings", () => {
    expect(load()).toMatchObject({
      TETHER_BRIDGE_ALL_SESSIONS: true,
      TELEGRAM_ALLOWED_USER_IDS: [],
      TELEGRAM_API_ROOT: "https://api.telegram.org",
      SLACK_ALLOWED_USER_IDS: [],
      SLACK_API_URL: "https://slack.com/api/",
      DISCORD_ALLOWED_USER_IDS: [],
      DISCORD_API_URL: "https://discord.com/api",
    });
    expect(
      load({ SLACK_ALLOWED_USER_IDS: "U0ADA1, W0BOB2", SLACK_API_URL: "http://127.0.0.1:9/api" }),
    ).toMatchObject({
      SLACK_ALLOWED_USER_IDS: ["U0ADA1", "W0BOB2"],
      // Bolt joins the method to it: it ends with a slash.
      SLACK_API_URL: "http://127.0.0.1:9/api/",
    });
    expect(
      load({
        TETHER_BRIDGE_ALL_SESSIONS: "0",
        TELEGRAM_ALLOWED_USER_IDS: " 123, 456 ,",
        TELEGRAM_API_ROOT: "http://127.0.0.1:9000/",
        TETHER_DEFAULT_DIR: "/home/me/src",
      }),
    ).toMatchObject({
      TETHER_BRIDGE_ALL_SESSIONS: false,
      TELEGRAM_ALLOWED_USER_IDS: ["123", "456"],
      TELEGRAM_API_ROOT: "http://127.0.0.1:9000",
      TETHER_DEFAULT_DIR: "/home/me/src",
    });
  });

  it("keeps the generated token beside the config file, wherever that is", () => {
    expect(load().TETHER_AGENT_TOKEN_FILE).toBe(join(dir.path, "token"));
    const xdg = join(dir.path, "xdg");
    expect(
      loadConfig({ env: { XDG_CONFIG_HOME: xdg }, cwd: dir.path }).TETHER_AGENT_TOKEN_FILE,
    ).toBe(join(xdg, "tether", "token"));
    const custom = join(dir.path, "elsewhere", "my-token");
    expect(load({ TETHER_AGENT_TOKEN_FILE: custom }).TETHER_AGENT_TOKEN_FILE).toBe(custom);
  });

  it("layers defaults < config file < .env < environment", () => {
    writeConfigFile({
      TETHER_AGENT_DATA_DIR: "/from/file",
      TETHER_AGENT_PORT: 1111,
      TETHER_AGENT_ADAPTER: "claude_api",
      TELEGRAM_FORUM_GROUP_ID: "-100111",
    });
    writeDotenv({
      TETHER_AGENT_PORT: "2222",
      TETHER_AGENT_ADAPTER: "claude_subprocess",
      TELEGRAM_FORUM_GROUP_ID: "-100222",
    });
    const config = load({
      TETHER_AGENT_ADAPTER: "codex_sdk_sidecar",
      TELEGRAM_FORUM_GROUP_ID: "-100333",
      PATH: "/usr/bin",
    });
    expect(config.TETHER_AGENT_HOST).toBe("0.0.0.0"); // default
    expect(config.TETHER_AGENT_DATA_DIR).toBe("/from/file"); // file over default
    expect(config.TETHER_AGENT_PORT).toBe(2222); // .env over file
    expect(config.TETHER_AGENT_ADAPTER).toBe("codex_sdk_sidecar"); // env over .env
    expect(config.TELEGRAM_FORUM_GROUP_ID).toBe("-100333");
    expect(config).not.toHaveProperty("PATH");
  });

  it("treats an empty variable as unset, so the layer below shows through", () => {
    writeDotenv({ TETHER_AGENT_PORT: "3333" });
    expect(load({ TETHER_AGENT_PORT: "" }).TETHER_AGENT_PORT).toBe(3333);
  });

  it("reads the config file named by TETHER_CONFIG when none is passed", () => {
    writeConfigFile({ TETHER_AGENT_PORT: 4444 });
    const config = loadConfig({ env: { TETHER_CONFIG: configFile }, cwd: dir.path });
    expect(config.TETHER_AGENT_PORT).toBe(4444);
  });

  it.each([
    ["1", true],
    ["true", true],
    ["yes", true],
    ["on", true],
    ["0", false],
    ["false", false],
    ["no", false],
    ["off", false],
  ])("reads TETHER_AGENT_DEV_MODE=%s as %s", (value, expected) => {
    expect(load({ TETHER_AGENT_DEV_MODE: value }).TETHER_AGENT_DEV_MODE).toBe(expected);
  });

  it("returns a frozen object", () => {
    const config = load({ TETHER_AGENT_PORT: "9000" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { TETHER_AGENT_PORT: number }).TETHER_AGENT_PORT = 1;
    }).toThrow(TypeError);
    expect(config.TETHER_AGENT_PORT).toBe(9000);
  });
});

describe("bad configuration", () => {
  it.each([
    ["TETHER_AGENT_PORT", "abc", /whole number from 0 to 65535.*"abc"/],
    ["TETHER_AGENT_PORT", "70000", /whole number from 0 to 65535.*"70000"/],
    ["TETHER_AGENT_PORT", "80.5", /whole number/],
    [
      "TETHER_AGENT_ADAPTER",
      "nope",
      // The registry's adapters, all of them, in its order.
      new RegExp(`must be one of ${ADAPTER_NAMES.join(", ")} \\(got "nope"\\)$`),
    ],
    ["TETHER_AGENT_DEV_MODE", "maybe", /"maybe"/],
    ["TELEGRAM_FORUM_GROUP_ID", "abc", /numeric chat id.*"abc"/],
    ["DISCORD_CHANNEL_ID", "general", /numeric channel id/],
    ["TETHER_API_URL", "not a url", /must be a URL/],
    ["TELEGRAM_ALLOWED_USER_IDS", "123,@bob", /numeric Telegram user ids separated by commas/],
    ["TELEGRAM_API_ROOT", "api.telegram.org", /must be a URL such as https:\/\/api.telegram.org/],
    ["TELEGRAM_API_ROOT", "ftp://bots.example", /http:\/\/ or https:\/\//],
    ["TETHER_BRIDGE_ALL_SESSIONS", "sometimes", /"sometimes"/],
    ["TETHER_DEFAULT_DIR", "src/app", /absolute directory/],
    ["SLACK_CHANNEL_ID", "#general", /Slack channel id such as C0123456789/],
    ["SLACK_ALLOWED_USER_IDS", "U0ADA,@bob", /Slack user ids .* separated by commas/],
    ["SLACK_API_URL", "slack.com/api", /must be a URL such as https:\/\/slack.com\/api\//],
    [
      "DISCORD_ALLOWED_USER_IDS",
      "123456789012345678,@bob",
      /Discord user ids .* separated by commas/,
    ],
    ["DISCORD_API_URL", "ftp://discord.example/api", /http:\/\/ or https:\/\//],
  ])("%s=%s fails with one line naming the variable", (key, value, says) => {
    const error = configError({ [key]: value });
    expect(error.message).not.toContain("\n");
    expect(error.message.startsWith(`${key}: `)).toBe(true);
    expect(error.message).toMatch(says);
  });

  it("wants TETHER_TLS_CERT and TETHER_TLS_KEY together, and names the missing one", () => {
    expect(configError({ TETHER_TLS_CERT: "/etc/tls.crt" }).message).toBe(
      "TETHER_TLS_KEY: must be set too when TETHER_TLS_CERT is: HTTPS needs the certificate and its key (or neither, for plain HTTP)",
    );
    expect(configError({ TETHER_TLS_KEY: "/etc/tls.key" }).message).toMatch(
      /^TETHER_TLS_CERT: must be set too when TETHER_TLS_KEY is: /,
    );
    expect(load({ TETHER_TLS_CERT: "/a.crt", TETHER_TLS_KEY: "/a.key" })).toMatchObject({
      TETHER_TLS_CERT: "/a.crt",
      TETHER_TLS_KEY: "/a.key",
    });
  });

  it("names the variable when the bad value comes from the config file or .env", () => {
    writeConfigFile({ TETHER_AGENT_PORT: "http" });
    expect(configError().message).toMatch(/^TETHER_AGENT_PORT: /);
    writeConfigFile({});
    writeDotenv({ TETHER_AGENT_ADAPTER: "gpt" });
    expect(configError().message).toMatch(/^TETHER_AGENT_ADAPTER: must be one of/);
  });

  it("says a token is too short without showing it", () => {
    // 31 characters: one short of what resists guessing over the network.
    const token = "Qz7kP2mX9vL4nR8tW1yB6cF3hJ5dG0s";
    expect(token).toHaveLength(31);
    const error = configError({ TETHER_AGENT_TOKEN: token });
    expect(error.message).toMatch(/^TETHER_AGENT_TOKEN: must be at least 32 characters; /);
    expect(error.message).not.toContain("\n");
    expect(leaks(error.message, token)).toBe(false);
    expect(load({ TETHER_AGENT_TOKEN: `${token}x` }).TETHER_AGENT_TOKEN).toBe(`${token}x`);
  });

  it.each([
    ["TETHER_MAX_CONNECTIONS", "0"],
    ["TETHER_MAX_CONNECTIONS_PER_CLIENT", "many"],
    ["TETHER_HEADERS_TIMEOUT_MS", "-5"],
    ["TETHER_REQUEST_TIMEOUT_MS", "1.5"],
  ])("%s=%s fails: limits are whole numbers above 0", (key, value) => {
    expect(configError({ [key]: value }).message).toMatch(
      new RegExp(`^${key}: must be a whole number above 0`),
    );
  });

  it("never shows a secret when another variable is bad", () => {
    const token = "tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c";
    const error = configError({
      TETHER_AGENT_TOKEN: token,
      SLACK_BOT_TOKEN: "xoxb-0000-secret",
      TETHER_AGENT_PORT: "abc",
    });
    expect(error.message).toMatch(/^TETHER_AGENT_PORT: /);
    expect(leaks(error.message, token)).toBe(false);
    expect(leaks(error.message, "xoxb-0000-secret")).toBe(false);
  });

  it.each([
    ['{"TETHER_AGENT_TOKEN": "tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c",\n}'],
    ['{"TETHER_AGENT_TOKEN": tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c}'],
    [
      '{\n  "TETHER_AGENT_PORT": 1,\n  "TETHER_AGENT_TOKEN": "tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c"\n',
    ],
    ["TETHER_AGENT_TOKEN=tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c\n"],
    ['{\n"TETHER_AGENT_PORT": x}'],
  ])("fails on a malformed config file with one line and no secret (%#)", (content) => {
    writeConfigFile(content);
    const error = configError();
    expect(error.message).not.toContain("\n");
    expect(error.message.startsWith(`config file ${configFile}: not valid JSON`)).toBe(true);
    expect(leaks(error.message, "tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c")).toBe(false);
  });

  it("fails on a config file that cannot be read, saying so", () => {
    configFile = dir.path;
    expect(configError().message).toMatch(/^config file .*: cannot be read \(EISDIR/);
  });

  it("fails on a config file that is JSON but not an object", () => {
    writeConfigFile(["TETHER_AGENT_PORT", 1]);
    const error = configError();
    expect(error.message).toBe(
      `config file ${configFile}: must be a JSON object of TETHER_* settings`,
    );
  });
});

describe("redactConfig", () => {
  it("masks every secret that is set and leaves the rest alone", () => {
    const secrets = {
      TETHER_AGENT_TOKEN: "tok-3f9a1c77e2b44d0e8c1d5a0b7e2f4d9c",
      // Shaped like a real one: the default TELEGRAM_API_ROOT has "telegram" in it, which is no leak.
      TELEGRAM_BOT_TOKEN: "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
      // Shaped like real ones too: the default SLACK_API_URL has "slack" in it.
      SLACK_BOT_TOKEN: "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
      SLACK_APP_TOKEN: "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f60718293",
      // As is the default DISCORD_API_URL.
      DISCORD_BOT_TOKEN: "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    };
    const config = load({ ...secrets, TETHER_AGENT_PORT: "9001", SLACK_CHANNEL_ID: "C0123" });
    const redacted = redactConfig(config);
    for (const key of Object.keys(secrets)) expect(redacted[key]).toBe("***");
    expect(redacted.TETHER_AGENT_PORT).toBe(9001);
    expect(redacted.SLACK_CHANNEL_ID).toBe("C0123");
    expect(redacted.TETHER_AGENT_HOST).toBe("0.0.0.0");
    const printed = JSON.stringify(redacted);
    for (const secret of Object.values(secrets)) expect(leaks(printed, secret)).toBe(false);
    // The config itself is untouched.
    expect(config.TETHER_AGENT_TOKEN).toBe(secrets.TETHER_AGENT_TOKEN);
  });

  it("leaves secrets that are not set undefined rather than masked", () => {
    const redacted = redactConfig(load());
    expect(redacted.TETHER_AGENT_TOKEN).toBeUndefined();
    expect(redacted.DISCORD_BOT_TOKEN).toBeUndefined();
  });
});
