// The Discord token stays out of what `tether start` writes (under systemd or Docker, stderr is
// the log) and out of /api/health and /api/bridges, whatever Discord does: refuses the token,
// answers 5xx or 429, or closes the gateway. A `tether start` subprocess at debug level.
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { discord429, serverError } from "../fakes/discord.js";
import { CLI, callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import {
  createDiscordSession,
  DAEMON_TOKEN,
  DELIVERY_MS,
  discordEnv,
  postOutputs,
  useDiscord,
  waitForThreadText,
} from "../helpers/discord.js";
import { waitFor } from "../helpers/wait.js";

const discord = useDiscord();
const running: ChildProcess[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await Promise.all(
    running.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
  for (const dir of dirs.splice(0)) dir.remove();
});

async function debugStart(env: Record<string, string>) {
  const dir = tempDir("tether-discord-secrets-");
  dirs.push(dir);
  const child = spawn(process.execPath, [CLI, "start"], {
    env: {
      ...process.env,
      ...daemonEnv(dir.path, {
        ...env,
        TETHER_AGENT_TOKEN: DAEMON_TOKEN,
        TETHER_AGENT_LOG_LEVEL: "debug",
      }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const url = await waitFor(() => /Tether (https?:\/\/\S+)/.exec(output)?.[1], {
    timeoutMs: 15_000,
    what: () => `tether start to listen; output:\n${output}`,
  });
  return {
    api: (method: string, path: string, body?: unknown) =>
      callApi(url, DAEMON_TOKEN, method, path, body),
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The token, or any long piece of it, in `text`. */
const leaks = (text: string, token: string) =>
  token.split(".").some((part) => part.length >= 6 && text.includes(part));

it("never shows a refused token, in the log or in health", async () => {
  const fake = await discord.fake();
  const wrong = "MTMwMDAwMDAwMDAwMDAwMDAwMg.Gwrong.this-is-not-the-bot-token-at-all";
  const started = await debugStart(discordEnv(fake, { DISCORD_BOT_TOKEN: wrong }));
  const health = await waitFor(
    async () => {
      const bridges = (await started.api("GET", "/api/health")).body.bridges as {
        name: string;
        last_error: string | null;
      }[];
      return bridges.find((b) => b.name === "discord" && b.last_error);
    },
    { timeoutMs: DELIVERY_MS, what: "the refused token in health" },
  );
  expect(health.last_error).toContain("DISCORD_BOT_TOKEN");
  const listed = JSON.stringify((await started.api("GET", "/api/bridges")).body);
  await started.stop();
  for (const text of [started.output(), JSON.stringify(health), listed]) {
    expect(leaks(text, wrong)).toBe(false);
  }
});

it("never shows the token while Discord fails and recovers", async () => {
  const fake = await discord.fake();
  const started = await debugStart(discordEnv(fake));
  await fake.waitForReady(1);
  fake.inject("POST /channels/:id/messages", serverError(502, 2));
  fake.inject("POST /channels/:id/messages", discord429(0.2, false, 2));
  // A session of the API's own making, through the daemon the subprocess runs.
  const d = { api: started.api } as Parameters<typeof createDiscordSession>[0];
  const session = await createDiscordSession(d, "noisy");
  await postOutputs(d, session.id, ["after the faults"]);
  await waitForThreadText(fake, session.threadId, "after the faults");
  fake.closeGateway(4000, "unknown error");
  await fake.waitForResume();
  await started.stop();
  // Debug lines were written (pino level 20), and none holds the token.
  expect(started.output()).toContain(`"level":20`);
  expect(leaks(started.output(), fake.token)).toBe(false);
});
