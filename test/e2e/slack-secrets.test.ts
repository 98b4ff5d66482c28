// Secrets stay out of what `tether start` writes (under systemd or Docker, stderr is the log),
// out of /api/health and /api/bridges, and out of every event: neither Slack token, whatever
// Slack does (refuses a token, lacks a scope, 5xx, 429, resets, an outage, a socket it cuts),
// nor the daemon's token; a pairing code never in a log line. A `tether start` subprocess at
// debug level against the fake Slack.
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { DEFAULT_SCOPES, type FakeSlack, rateLimited, serverError } from "../fakes/slack.js";
import { CLI, callApi, daemonEnv, tempDir } from "../helpers/daemon.js";
import {
  DAEMON_TOKEN,
  DELIVERY_MS,
  markerOf,
  numberedOutputs,
  STRANGER,
  slackEnv,
  useSlack,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

/** A `tether start` whose stdout and stderr are both kept. */
interface Started {
  url: string;
  process: ChildProcess;
  /** Everything it wrote, stdout then stderr. */
  output(): string;
  api(method: string, path: string, body?: unknown): ReturnType<typeof callApi>;
  /** SIGTERM, and waits for it to exit (every log line written). */
  stop(): Promise<void>;
}

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

/** `tether start` at debug level with the Slack settings for `fake` (plus `env`). */
async function debugStart(fake: FakeSlack, env: Record<string, string> = {}): Promise<Started> {
  const dir = tempDir("tether-slack-secrets-");
  dirs.push(dir);
  const child = spawn(process.execPath, [CLI, "start"], {
    env: {
      ...process.env,
      ...daemonEnv(dir.path, {
        ...slackEnv(fake, env),
        TETHER_AGENT_TOKEN: DAEMON_TOKEN,
        TETHER_AGENT_LOG_LEVEL: "debug",
      }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await waitFor(() => /Tether (https?:\/\/\S+)/.exec(stderr)?.[1], {
    timeoutMs: 15_000,
    what: () => `tether start to listen; stderr:\n${stderr}`,
  });
  return {
    url,
    process: child,
    output: () => `${stdout}\n${stderr}`,
    api: (method, path, body) => callApi(url, DAEMON_TOKEN, method, path, body),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Every secret that must not be written anywhere. */
const secretsOf = (fake: FakeSlack, ...more: string[]) => [
  fake.botToken,
  fake.appToken,
  DAEMON_TOKEN,
  ...more,
];

/** None of `secrets` in `text`, nor anything shaped like a Slack token. */
function expectNoSecret(where: string, text: string, secrets: string[]) {
  for (const secret of secrets) expect(text, `${where} holds a secret`).not.toContain(secret);
  expect(text, `${where} holds something like a Slack token`).not.toMatch(/xox[abp]-\d|xapp-\d/);
}

/** What the daemon says about its bridges and sessions, over the App API. */
async function everythingItSays(d: Started): Promise<string> {
  const said: string[] = [];
  for (const path of ["/api/health", "/api/bridges", "/api/sessions"]) {
    const res = await d.api("GET", path);
    expect(res.status, res.text).toBe(200);
    said.push(res.text);
  }
  const { sessions } = (await d.api("GET", "/api/sessions")).body as { sessions: { id: string }[] };
  for (const session of sessions) {
    const res = await d.api("GET", `/api/sessions/${session.id}/events?since_seq=0&limit=10000`);
    expect(res.status, res.text).toBe(200);
    said.push(res.text);
  }
  return said.join("\n");
}

/** The bridge's log lines of level warn (40) and above: the ones a token could hide in. */
const bridgeWarnings = (output: string) =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"bridge":"slack"') && /"level":[456]0/.test(l));

for (const [what, env, names] of [
  [
    "a bot token Slack refuses",
    { SLACK_BOT_TOKEN: "xoxb-1000000001-2000000002-wrongbottokenxyz" },
    "SLACK_BOT_TOKEN",
  ],
  [
    "an app token Slack refuses",
    { SLACK_APP_TOKEN: "xapp-1-A0TETHERAPP-3000000003-wrongapptokenxyz" },
    "SLACK_APP_TOKEN",
  ],
  ["the tokens swapped", { swap: "yes" }, "SLACK_BOT_TOKEN"],
] as const) {
  it(`${what}: said in the log and in health by its setting, no token anywhere`, async () => {
    const fake = await slack.fake();
    const wrong = Object.values(env).filter((v) => v.startsWith("x"));
    const settings: Record<string, string> =
      "swap" in env ? { SLACK_BOT_TOKEN: fake.appToken, SLACK_APP_TOKEN: fake.botToken } : env;
    const d = await debugStart(fake, settings);
    const health = await waitFor(
      async () => {
        const h = (await d.api("GET", "/api/health")).body.bridges?.[0];
        return h?.last_error ? h : undefined;
      },
      { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say why Slack is down" },
    );
    expect(health.state).not.toBe("connected");
    expect(health.last_error).toContain(names);
    const said = await everythingItSays(d);
    await d.stop();
    const output = d.output();
    expect(
      bridgeWarnings(output).filter((l) => l.includes(names)).length,
      output,
    ).toBeGreaterThanOrEqual(1);
    expectNoSecret("the output", output, secretsOf(fake, ...wrong));
    expectNoSecret("the App API", said, secretsOf(fake, ...wrong));
  });
}

it("a missing scope: named in the log and health, no token anywhere", async () => {
  const fake = await slack.fake({
    scopes: DEFAULT_SCOPES.filter((s) => s !== "channels:read" && s !== "groups:read"),
  });
  const d = await debugStart(fake);
  await waitFor(
    async () =>
      (await d.api("GET", "/api/health")).body.bridges?.[0]?.last_error?.includes("channels:read"),
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to name the scope" },
  );
  const said = await everythingItSays(d);
  await d.stop();
  expect(bridgeWarnings(d.output()).some((l) => l.includes("channels:read"))).toBe(true);
  expectNoSecret("the output", d.output(), secretsOf(fake));
  expectNoSecret("the App API", said, secretsOf(fake));
});

it("logs no secret through 5xx, 429, resets, an outage and sockets cut", async () => {
  const fake = await slack.fake();
  const d = await debugStart(fake);
  await fake.waitForConnections(1);
  const created = await d.api("POST", "/external/sessions", {
    session_name: "secrets",
    platform: "slack",
  });
  expect(created.status, created.text).toBe(200);
  const id: string = created.body.session_id;
  const threadTs = String(created.body.thread_info.thread_id);
  const outputs = numberedOutputs(20);
  const post = async (texts: string[]) => {
    for (const text of texts) {
      const res = await d.api("POST", `/external/sessions/${id}/output`, { text, metadata: {} });
      expect(res.status, res.text).toBe(200);
    }
  };

  fake.inject("chat.postMessage", serverError(500, 4));
  fake.inject("chat.update", rateLimited(1));
  fake.inject("chat.update", { drop: "reset" });
  await post(outputs.slice(0, 8));
  await waitForThreadText(fake, threadTs, markerOf(outputs[7]!), 30_000);

  fake.disconnect("refresh_requested");
  await fake.waitForConnections(2);
  fake.dropConnections();
  await fake.waitForConnections(3);

  await fake.down();
  await post(outputs.slice(8, 14));
  await waitFor(
    async () => (await d.api("GET", "/api/health")).body.bridges[0]?.state === "retrying",
    { timeoutMs: DELIVERY_MS, intervalMs: 50, what: "health to say retrying" },
  );
  const saidDuringOutage = await everythingItSays(d);
  await fake.up();
  await post(outputs.slice(14));
  await waitForThreadText(fake, threadTs, markerOf(outputs.at(-1)!), 40_000);
  const said = await everythingItSays(d);

  await d.stop();
  const output = d.output();
  // The failures were logged (with what went wrong): the lines a token could have been in.
  expect(bridgeWarnings(output).length, output).toBeGreaterThanOrEqual(1);
  expectNoSecret("the output", output, secretsOf(fake));
  expectNoSecret("the App API during the outage", saidDuringOutage, secretsOf(fake));
  expectNoSecret("the App API", said, secretsOf(fake));
});

it("never writes a pairing code to a log line", async () => {
  const fake = await slack.fake();
  const d = await debugStart(fake, { SLACK_ALLOWED_USER_IDS: "" });
  await fake.waitForConnections(1);
  const issued = await d.api("POST", "/api/bridges/slack/pairing-code");
  expect(issued.status, issued.text).toBe(200);
  const code: string = issued.body.code;
  const wrong = fake.slashCommand({ text: "pair 9999-9999", user: STRANGER.id });
  await fake.waitForAck(wrong.envelope.envelope_id);
  const right = fake.slashCommand({ text: `pair ${code}`, user: STRANGER.id });
  const acked = await fake.waitForAck(right.envelope.envelope_id);
  expect(JSON.stringify(acked.ackPayload)).toContain("Paired");
  expect(JSON.stringify(acked.ackPayload)).not.toContain(code);

  await d.stop();
  const output = d.output();
  expect(output).not.toContain(code);
  expect(output).not.toContain("9999-9999");
  expectNoSecret("the output", output, secretsOf(fake));
});
