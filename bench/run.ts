// The benchmark: runs each scenario against a fresh daemon (and the approval ones against the
// bare relay too), prints a table and writes bench/results.json.
//   BENCH_ONLY=paced,capacity,ingest,replay,startup,connections,markdown,telegram,slack,discord
//                                                          run a subset
//   BENCH_SHORT=1                                          shorter windows, for a smoke run
//   BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" flags for the daemon's node
import { killEverything } from "./children.js";
import { startDaemon } from "./daemon.js";
import { machineInfo } from "./machine.js";
import { repoPath } from "./paths.js";
import { noisy, printTable, type Results, rows, writeResults } from "./report.js";
import { approvalRoundTrip } from "./scenarios/approval.js";
import { connectionsHeld } from "./scenarios/connections.js";
import { discordBridge } from "./scenarios/discord.js";
import { durableIngest } from "./scenarios/ingest.js";
import { markdownParse } from "./scenarios/markdown.js";
import { sseReplay } from "./scenarios/replay.js";
import { slackBridge } from "./scenarios/slack.js";
import { startup } from "./scenarios/startup.js";
import { telegramBridge } from "./scenarios/telegram.js";
import { startRelay } from "./start-relay.js";
import type { Target } from "./target.js";

const HARD_DEADLINE_MS = 10 * 60_000;
const ONLY = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const SHORT = process.env.BENCH_SHORT === "1";
const seconds = (s: number) => (SHORT ? Math.max(1, s / 4) : s) * 1000;
const RESULTS = repoPath("bench/results.json");

process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    process.exit(130);
  });
}
process.on("uncaughtException", (error) => {
  console.error(error);
  process.exit(1);
});
setTimeout(() => {
  console.error(`bench: hard deadline of ${HARD_DEADLINE_MS / 1000} s passed; stopping`);
  process.exit(1);
}, HARD_DEADLINE_MS).unref();

const wanted = (name: string) => !ONLY || ONLY.includes(name);
const gc = (globalThis as { gc?: () => void }).gc;
const results: Results = { errors: {} };

async function against<T>(start: () => Promise<Target>, fn: (t: Target) => Promise<T>): Promise<T> {
  const target = await start();
  try {
    return await fn(target);
  } finally {
    await target.stop();
  }
}

async function scenario(name: string, fn: () => Promise<void>) {
  if (!wanted(name)) return;
  gc?.();
  const t0 = performance.now();
  process.stderr.write(`bench: ${name} … `);
  try {
    await fn();
    process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    results.errors[name] = (error as Error).stack ?? String(error);
    process.stderr.write(`FAILED: ${(error as Error).message}\n`);
  }
}

const started = performance.now();
const machine = machineInfo();
console.log(
  `tether bench: node ${machine.node}, ${machine.cpuModel} × ${machine.nproc}, commit ${machine.commit}`,
);

await scenario("startup", async () => {
  results.startup = await startup(5, 2000);
});
for (const mode of ["paced", "capacity"] as const) {
  await scenario(mode, async () => {
    const options = {
      sessions: 100,
      mode: mode === "paced" ? ("paced" as const) : ("closed" as const),
      ratePerSession: 10,
      warmupMs: seconds(1),
      durationMs: mode === "paced" ? seconds(10) : seconds(6),
    };
    const out: NonNullable<Results["paced"]> = {};
    results[mode] = out;
    out.tether = await against(startDaemon, (t) => approvalRoundTrip(t, options));
    gc?.();
    out.relay = await against(startRelay, (t) => approvalRoundTrip(t, options));
  });
}
await scenario("ingest", async () => {
  results.ingest = await against(startDaemon, (t) =>
    durableIngest(t, {
      sessions: 100,
      inboxSubscribers: 50,
      window: 16,
      warmupMs: seconds(1),
      durationMs: seconds(8),
    }),
  );
});
await scenario("replay", async () => {
  results.replay = await against(startDaemon, (t) =>
    sseReplay(t, { events: 100_000, runs: 3, seedWindow: 2000 }),
  );
});
await scenario("connections", async () => {
  results.connections = await against(startDaemon, (t) => connectionsHeld(t, [2000, 5000, 10_000]));
});
await scenario("markdown", async () => {
  results.markdown = await markdownParse();
});
await scenario("telegram", async () => {
  results.telegram = await telegramBridge({
    sessions: 10,
    approvals: 100,
    approvalEveryMs: 50,
    outputs: 1000,
    postWindow: 8,
    startupRuns: SHORT ? 2 : 7,
    settleMs: 2000,
  });
});
await scenario("slack", async () => {
  results.slack = await slackBridge({
    sessions: 10,
    approvals: 100,
    approvalEveryMs: 50,
    outputs: 1000,
    postWindow: 8,
    reconnects: SHORT ? 2 : 5,
    startupRuns: SHORT ? 2 : 7,
    settleMs: 2000,
  });
});
await scenario("discord", async () => {
  results.discord = await discordBridge({
    sessions: 10,
    approvals: 100,
    approvalEveryMs: 50,
    outputs: 1000,
    postWindow: 8,
    startupRuns: SHORT ? 2 : 7,
    settleMs: 2000,
  });
});

const table = rows(results);
console.log("");
printTable(table);
const noise = noisy(results);
if (noise.length > 0) {
  console.log("\nwarning: the machine was busy with other work; these figures are unreliable:");
  for (const line of noise) console.log(`  ${line}`);
}
for (const [name, error] of Object.entries(results.errors))
  console.log(`\n${name} failed:\n${error}`);
writeResults(RESULTS, machine, (performance.now() - started) / 1000, results, table);
console.log(`\nwrote ${RESULTS}`);
process.exitCode = Object.keys(results.errors).length > 0 ? 1 : 0;
