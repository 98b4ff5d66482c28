// Secrets stay out of what `tether start` writes (under systemd or Docker, stderr is the log):
// the bot token never, whatever Telegram does (refuses the token, 5xx, 429, resets, an outage),
// nor the daemon's token; the pairing code only in the notice that tells the user, never in a
// log line. A `tether start` subprocess at debug level against the fake Bot API.
import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { serverError, tooManyRequests } from "../fakes/telegram.js";
import {
  CLI,
  callApi,
  daemonEnv,
  type SpawnedDaemon,
  useSpawnedDaemons,
} from "../helpers/daemon.js";
import {
  DAEMON_TOKEN,
  DELIVERY_MS,
  markerOf,
  numberedOutputs,
  STRANGER,
  telegramEnv,
  useTelegram,
  waitForBotMessage,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();
const spawned = useSpawnedDaemons("tether-tg-secrets-");
const dataDir = () => spawned.dataDir();

/** Runs `tether start` that is expected to stop by itself; its exit code and stderr. */
async function startThatFails(env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, "start"], {
    env: { ...process.env, ...daemonEnv(dataDir(), env) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let code: number | null | undefined;
  child.on("exit", (c) => {
    code = c;
  });
  try {
    await waitFor(() => code !== undefined, {
      timeoutMs: 15_000,
      what: () => `tether start to stop; stderr:\n${stderr}`,
    });
  } finally {
    if (code === undefined) child.kill("SIGKILL");
  }
  return { code, stderr };
}

/** The secret half of a bot token (after `<bot id>:`). */
const secretOf = (token: string) => token.slice(token.indexOf(":") + 1);

it("a refused token stops `tether start` with one line naming the setting, the token nowhere", async () => {
  const fake = await tg.fake();
  const wrong = "987654321:AAWrongTokenThatTelegramDoesNotKnow_yyyy";
  const { code, stderr } = await startThatFails({
    ...telegramEnv(fake, { TELEGRAM_BOT_TOKEN: wrong }),
    TETHER_AGENT_LOG_LEVEL: "debug",
    TETHER_AGENT_TOKEN: DAEMON_TOKEN,
  });
  expect(code).toBe(2);
  expect(stderr).toContain("TELEGRAM_BOT_TOKEN");
  expect(stderr).not.toContain(secretOf(wrong));
  expect(stderr).not.toContain(DAEMON_TOKEN);
  // The one line that says why (logs aside).
  const plain = stderr.split("\n").filter((l) => l.trim() && !l.startsWith("{"));
  expect(plain.filter((l) => l.includes("TELEGRAM_BOT_TOKEN"))).toHaveLength(1);
});

/** A `tether start` at debug level against the fake, with the Telegram settings (plus `env`). */
async function debugDaemon(env: Record<string, string> = {}) {
  const fake = await tg.fake();
  const d = await spawned.spawn(dataDir(), {
    ...telegramEnv(fake, env),
    TETHER_AGENT_TOKEN: DAEMON_TOKEN,
    TETHER_AGENT_LOG_LEVEL: "debug",
  });
  await waitFor(() => fake.polling(), { timeoutMs: DELIVERY_MS, what: "the bridge to long poll" });
  const api = (method: string, path: string, body?: unknown) =>
    callApi(d.url, DAEMON_TOKEN, method, path, body);
  return { fake, d, api };
}

/** Stops the daemon cleanly (so every log line is written) and returns its log lines. */
async function logLinesAfterStop(
  d: SpawnedDaemon,
): Promise<{ stderr: string; logLines: string[] }> {
  await d.kill("SIGTERM");
  const stderr = d.stderr();
  const logLines = stderr.split("\n").filter((l) => l.startsWith("{"));
  expect(
    logLines.some((l) => l.includes('"bridge":"telegram"')),
    "the bridge logged",
  ).toBe(true);
  return { stderr, logLines };
}

it("logs no secret through 5xx, 429, resets and an outage", async () => {
  const { fake, d, api } = await debugDaemon();
  const created = await api("POST", "/external/sessions", {
    session_name: "secrets",
    platform: "telegram",
  });
  expect(created.status, created.text).toBe(200);
  const id: string = created.body.session_id;
  const threadId = Number(created.body.thread_info.thread_id);
  const outputs = numberedOutputs(20);
  const post = async (texts: string[]) => {
    for (const text of texts) {
      const res = await api("POST", `/external/sessions/${id}/output`, { text, metadata: {} });
      expect(res.status, res.text).toBe(200);
    }
  };

  fake.inject("sendMessage", serverError(500));
  fake.inject("editMessageText", tooManyRequests(1));
  fake.inject("sendMessage", { drop: "reset" });
  await post(outputs.slice(0, 8));
  await waitForTopicText(fake, threadId, markerOf(outputs[7]!), 30_000);

  await fake.down();
  await post(outputs.slice(8, 14));
  await waitFor(
    async () => (await api("GET", "/api/health")).body.bridges[0]?.state === "retrying",
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying" },
  );
  await fake.up();
  await post(outputs.slice(14));
  await waitForTopicText(fake, threadId, markerOf(outputs.at(-1)!), 40_000);

  const { stderr, logLines } = await logLinesAfterStop(d);
  // The failures were logged (with what Telegram said): the lines the token could have been in.
  const failures = logLines.filter(
    (l) => /"level":[45]0/.test(l) && l.includes('"bridge":"telegram"'),
  );
  expect(failures.length).toBeGreaterThanOrEqual(1);
  expect(stderr).not.toContain(secretOf(fake.token));
  expect(stderr).not.toContain(DAEMON_TOKEN);
});

it("never writes a pairing code to stderr that is not a terminal, nor to a log line", async () => {
  const { fake, d, api } = await debugDaemon({ TELEGRAM_ALLOWED_USER_IDS: "" });
  // Not a terminal: how to get a code, without one.
  await waitFor(() => d.stderr().includes("tether bridges pair telegram"), {
    timeoutMs: DELIVERY_MS,
    what: () => `the pairing notice without a code; stderr:\n${d.stderr()}`,
  });
  const issued = await api("POST", "/api/bridges/telegram/pairing-code");
  expect(issued.status, issued.text).toBe(200);
  const code: string = issued.body.code;
  const wrong = fake.userSends({ text: "/pair 9999-9999", from: STRANGER });
  await waitForBotMessage(fake, { afterId: wrong.message_id as number });
  const right = fake.userSends({ text: `/pair ${code}`, from: STRANGER });
  const reply = await waitForBotMessage(fake, { afterId: right.message_id as number });
  expect(reply.text).not.toContain(code);

  const { stderr } = await logLinesAfterStop(d);
  expect(stderr).not.toMatch(/\/pair \d{4}-\d{4}/);
  expect(stderr).not.toContain(code);
  expect(stderr).not.toContain(secretOf(fake.token));
});
