// Turns the results into rows (figure, floor, ratio, budget), prints them as a table and writes
// bench/results.json.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { CpuUse } from "./children.js";
import type { MachineInfo } from "./machine.js";
import { repoPath } from "./paths.js";
import type { ApprovalResult } from "./scenarios/approval.js";
import type { ConnectionsResult } from "./scenarios/connections.js";
import type { DiscordResult } from "./scenarios/discord.js";
import type { IngestResult } from "./scenarios/ingest.js";
import type { MarkdownResult } from "./scenarios/markdown.js";
import type { ReplayResult } from "./scenarios/replay.js";
import type { SlackResult } from "./scenarios/slack.js";
import type { StartupResult } from "./scenarios/startup.js";
import type { TelegramResult } from "./scenarios/telegram.js";
import { median, round, type Summary } from "./stats.js";

export interface Results {
  paced?: { tether?: ApprovalResult; relay?: ApprovalResult };
  capacity?: { tether?: ApprovalResult; relay?: ApprovalResult };
  ingest?: IngestResult;
  replay?: ReplayResult;
  startup?: StartupResult;
  connections?: ConnectionsResult;
  markdown?: MarkdownResult;
  telegram?: TelegramResult;
  slack?: SlackResult;
  discord?: DiscordResult;
  errors: Record<string, string>;
}

export interface Row {
  measure: string;
  tether: number | string;
  relay?: number;
  /** tether / relay. */
  ratio?: number;
  budget?: string;
  /** undefined when there is no budget or no figure. */
  ok?: boolean;
}

const atMost = (value: number | undefined, limit: number) =>
  value === undefined || Number.isNaN(value) ? undefined : value <= limit;
const atLeast = (value: number | undefined, limit: number) =>
  value === undefined || Number.isNaN(value) ? undefined : value >= limit;

function versus(
  measure: string,
  tether: number | undefined,
  relay: number | undefined,
  budget?: string,
  ok?: boolean,
): Row {
  return {
    measure,
    tether: tether === undefined ? "—" : round(tether),
    ...(relay === undefined ? {} : { relay: round(relay) }),
    ...(tether !== undefined && relay ? { ratio: round(tether / relay) } : {}),
    ...(budget ? { budget } : {}),
    ...(ok === undefined ? {} : { ok }),
  };
}

const pair = (a: number, b: number) => `${round(a)} / ${round(b)}`;
const cpuText = (c: CpuUse | undefined) =>
  c ? `${round(c.target)} / ${round(c.harness)} / ${round(c.others)}` : "—";

function approvalRows(paced: Results["paced"], capacity: Results["capacity"]): Row[] {
  const out: Row[] = [];
  if (paced) {
    const t = paced.tether?.latencyMs;
    const f = paced.relay?.latencyMs;
    const name = "approval RTT paced 100×10/s";
    out.push(versus(`${name} p50 ms`, t?.p50, f?.p50, "≤ 1.5", atMost(t?.p50, 1.5)));
    out.push(versus(`${name} p99 ms`, t?.p99, f?.p99, "≤ 5", atMost(t?.p99, 5)));
    out.push(
      versus(
        "  (harness send lag p99 ms)",
        paced.tether?.sendLagMs?.p99,
        paced.relay?.sendLagMs?.p99,
      ),
    );
    out.push({
      measure: "  (CPU %: daemon / harness / others)",
      tether: cpuText(paced.tether?.cpu),
    });
    out.push({ measure: "  (CPU %: relay / harness / others)", tether: cpuText(paced.relay?.cpu) });
  }
  if (capacity) {
    const t = capacity.tether?.roundTripsPerSecond;
    const f = capacity.relay?.roundTripsPerSecond;
    out.push(
      versus("approval capacity 100 closed loop rt/s", t, f, "≥ 10,000", atLeast(t, 10_000)),
    );
    out.push({
      measure: "  (CPU %: daemon / harness / others)",
      tether: cpuText(capacity.tether?.cpu),
    });
    out.push({
      measure: "  (CPU %: relay / harness / others)",
      tether: cpuText(capacity.relay?.cpu),
    });
  }
  return out;
}

function ingestRows(ingest: IngestResult): Row[] {
  const { viewers: v, inbox: i } = ingest;
  const intact = v.lost + v.duplicates + v.reordered + i.lost + i.reordered === 0;
  const committed = ingest.committedPerSecond;
  const delivered = ingest.deliveredPerSecond;
  return [
    versus(
      "ingest committed events/s",
      committed,
      undefined,
      "≥ 20,000",
      atLeast(committed, 20_000),
    ),
    versus(
      "ingest delivered events/s",
      delivered,
      undefined,
      "≥ 20,000",
      atLeast(delivered, 20_000),
    ),
    {
      measure: "ingest lost/dup/reordered (viewers; inbox)",
      tether: `${v.lost}/${v.duplicates}/${v.reordered}; ${i.lost}/0/${i.reordered}`,
      budget: "0",
      ok: intact,
    },
    {
      measure: "  (output → ack p50 / p99 ms)",
      tether: pair(ingest.ackLatencyMs.p50, ingest.ackLatencyMs.p99),
    },
    {
      measure: "  (output → viewer p50 / p99 ms)",
      tether: pair(ingest.deliveryLatencyMs.p50, ingest.deliveryLatencyMs.p99),
    },
    { measure: "  (CPU %: daemon / harness / others)", tether: cpuText(ingest.cpu) },
  ];
}

const spread = (s: Summary) => `${round(s.p50)} / ${round(s.p95)} / ${round(s.max)}`;

function telegramRows(t: TelegramResult): Row[] {
  const b = t.burst;
  const lost = t.failed + t.pollErrors;
  const intact = b.missing + b.duplicated + b.reordered + b.refused === 0;
  const rssWith = t.withBridge.idleRssMb;
  const upMs = t.withBridge.bridgeUpMs ?? [];
  return [
    {
      measure: `Telegram approval → buttons, ${t.approvals} over ${t.sessions} sessions, p50 / p95 / max ms`,
      tether: spread(t.approvalToTelegramMs),
    },
    {
      measure: "Telegram button → agent's long poll, p50 / p95 / max ms",
      tether: spread(t.buttonToAgentMs),
    },
    {
      measure: "  (approvals lost; long polls failed)",
      tether: `${t.failed}; ${t.pollErrors}`,
      budget: "0",
      ok: lost === 0,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(t.approvalCpu) },
    versus(`Telegram ${b.outputs} outputs → last in topic s`, b.visibleSeconds, undefined),
    {
      measure: "  (posting them took s; then drained s)",
      tether: pair(b.postSeconds, b.drainSeconds),
    },
    {
      measure: "  (Telegram calls: sendMessage + editMessageText; outputs per call)",
      tether: `${b.sendMessage} + ${b.editMessageText}; ${round(b.outputsPerCall)}`,
    },
    {
      measure: "  (missing/dup/reordered; refused calls)",
      tether: `${b.missing}/${b.duplicated}/${b.reordered}; ${b.refused}`,
      budget: "0",
      ok: intact,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(b.cpu) },
    {
      measure: "idle RSS MB with Telegram (without)",
      tether: `${round(rssWith)} (${round(t.withoutBridge.idleRssMb)})`,
      budget: "≤ 80",
      ...(Number.isNaN(rssWith) ? {} : { ok: rssWith <= 80 }),
    },
    {
      measure: "start → healthy ms with Telegram (without), median",
      tether: `${round(t.withBridge.medianHealthyMs)} (${round(t.withoutBridge.medianHealthyMs)})`,
      budget: "≤ 300",
      ok: t.withBridge.medianHealthyMs <= 300,
    },
    versus("  (the bridge adds ms, median of paired runs)", t.bridgeStartMs, undefined),
    versus(
      "start → Telegram long poll ms, median",
      upMs.length ? median(upMs) : undefined,
      undefined,
    ),
  ];
}

function slackRows(s: SlackResult): Row[] {
  const b = s.burst;
  const r = s.reconnect;
  const intact = b.missing + b.duplicated + b.reordered + b.refused === 0;
  const rssWith = s.withBridge.idleRssMb;
  const upMs = s.withBridge.bridgeUpMs ?? [];
  return [
    {
      measure: `Slack approval → buttons, ${s.approvals} over ${s.sessions} sessions, p50 / p95 / max ms`,
      tether: spread(s.approvalToSlackMs),
    },
    {
      measure: "Slack click → agent's long poll, p50 / p95 / max ms",
      tether: spread(s.buttonToAgentMs),
    },
    {
      measure: "Slack click → ack (at the fake, whole ms), p50 / p95 / max ms",
      tether: spread(s.ackMs),
      budget: "≤ 3000",
      ok: s.ackMs.max <= 3000 && s.lateAcks === 0,
    },
    {
      measure: "  (approvals lost; long polls failed; acks late)",
      tether: `${s.failed}; ${s.pollErrors}; ${s.lateAcks}`,
      budget: "0",
      ok: s.failed + s.pollErrors + s.lateAcks === 0,
    },
    {
      measure: "  (envelopes from Slack; auth.test calls meanwhile)",
      tether: `${s.envelopes}; ${s.authTests}`,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(s.approvalCpu) },
    versus(`Slack ${b.outputs} outputs → last in thread s`, b.visibleSeconds, undefined),
    {
      measure: "  (posting them took s; then drained s)",
      tether: pair(b.postSeconds, b.drainSeconds),
    },
    {
      measure: "  (Slack calls: chat.postMessage + chat.update; outputs per call; auth.test)",
      tether: `${b.postMessage} + ${b.update}; ${round(b.outputsPerCall)}; ${b.authTests}`,
    },
    {
      measure: "  (missing/dup/reordered; refused calls)",
      tether: `${b.missing}/${b.duplicated}/${b.reordered}; ${b.refused}`,
      budget: "0",
      ok: intact,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(b.cpu) },
    {
      measure: `Slack refresh → click decided, ${r.rounds} rounds, p50 / max ms`,
      tether: pair(r.toDecisionMs.p50, r.toDecisionMs.max),
    },
    {
      measure: "  (of which refresh → new socket, p50 / max ms; rounds failed)",
      tether: `${pair(r.toNewSocketMs.p50, r.toNewSocketMs.max)}; ${r.failed}`,
      budget: "0 failed",
      ok: r.failed === 0,
    },
    {
      measure: "idle RSS MB with Slack (without)",
      tether: `${round(rssWith)} (${round(s.withoutBridge.idleRssMb)})`,
      budget: "≤ 80",
      ...(Number.isNaN(rssWith) ? {} : { ok: rssWith <= 80 }),
    },
    {
      measure: "start → healthy ms with Slack (without), median",
      tether: `${round(s.withBridge.medianHealthyMs)} (${round(s.withoutBridge.medianHealthyMs)})`,
      budget: "≤ 300",
      ok: s.withBridge.medianHealthyMs <= 300,
    },
    versus("  (the bridge adds ms, median of paired runs)", s.bridgeStartMs, undefined),
    versus(
      "start → Slack Socket Mode open ms, median",
      upMs.length ? median(upMs) : undefined,
      undefined,
    ),
  ];
}

function discordRows(d: DiscordResult): Row[] {
  const b = d.burst;
  const intact = b.missing + b.duplicated + b.reordered + b.refused === 0;
  const rssWith = d.withBridge.idleRssMb;
  const upMs = d.withBridge.bridgeUpMs ?? [];
  return [
    {
      measure: `Discord approval → buttons, ${d.approvals} over ${d.sessions} sessions, p50 / p95 / max ms`,
      tether: spread(d.approvalToDiscordMs),
    },
    {
      measure: "Discord click → agent's long poll, p50 / p95 / max ms",
      tether: spread(d.buttonToAgentMs),
    },
    {
      measure: "Discord click → ack (at the fake, whole ms), p50 / p95 / max ms",
      tether: spread(d.ackMs),
      budget: "≤ 3000",
      ok: d.ackMs.max <= 3000 && d.lateAcks === 0,
    },
    {
      measure: "  (approvals lost; long polls failed; acks late)",
      tether: `${d.failed}; ${d.pollErrors}; ${d.lateAcks}`,
      budget: "0",
      ok: d.failed + d.pollErrors + d.lateAcks === 0,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(d.approvalCpu) },
    versus(`Discord ${b.outputs} outputs → last in thread s`, b.visibleSeconds, undefined),
    {
      measure: "  (posting them took s; then drained s)",
      tether: pair(b.postSeconds, b.drainSeconds),
    },
    {
      measure: "  (Discord calls: messages created + edited; outputs per call; messages)",
      tether: `${b.created} + ${b.edited}; ${round(b.outputsPerCall)}; ${b.messages}`,
    },
    {
      measure: "  (missing/dup/reordered; refused calls)",
      tether: `${b.missing}/${b.duplicated}/${b.reordered}; ${b.refused}`,
      budget: "0",
      ok: intact,
    },
    { measure: "  (CPU %: daemon / harness+fake / others)", tether: cpuText(b.cpu) },
    {
      measure: "idle RSS MB with Discord (without)",
      tether: `${round(rssWith)} (${round(d.withoutBridge.idleRssMb)})`,
      budget: "≤ 80",
      ...(Number.isNaN(rssWith) ? {} : { ok: rssWith <= 80 }),
    },
    {
      measure: "start → healthy ms with Discord (without), median",
      tether: `${round(d.withBridge.medianHealthyMs)} (${round(d.withoutBridge.medianHealthyMs)})`,
      budget: "≤ 300",
      ok: d.withBridge.medianHealthyMs <= 300,
    },
    versus("  (the bridge adds ms, median of paired runs)", d.bridgeStartMs, undefined),
    versus(
      "start → Discord gateway READY ms, median",
      upMs.length ? median(upMs) : undefined,
      undefined,
    ),
  ];
}

export function rows(r: Results): Row[] {
  const out = approvalRows(r.paced, r.capacity);
  if (r.ingest) out.push(...ingestRows(r.ingest));
  const { replay, startup, connections, markdown } = r;
  if (markdown) {
    const worst = Math.max(...Object.values(markdown.uncappedMs));
    const mb = round(markdown.bytes / (1024 * 1024));
    out.push(
      versus(
        `Markdown ${mb} MB adversarial, whole, ms (worst)`,
        worst,
        undefined,
        "≤ 1000",
        atMost(worst, 1000),
      ),
    );
    out.push(
      versus(
        "Markdown one bubble (capped), ms (worst)",
        markdown.cappedMs,
        undefined,
        "≤ 50",
        atMost(markdown.cappedMs, 50),
      ),
    );
  }
  if (replay) {
    const s = replay.medianSeconds;
    out.push(
      versus(
        `SSE replay ${replay.events} events s (median)`,
        s,
        undefined,
        "≤ 0.5",
        atMost(s, 0.5),
      ),
    );
  }
  if (startup) {
    const rss = startup.idleRssMb;
    const ms = startup.medianHealthyMs;
    out.push(versus("idle RSS MB", rss, undefined, "≤ 80", atMost(rss, 80)));
    out.push(versus("start → healthy ms (median)", ms, undefined, "≤ 300", atMost(ms, 300)));
  }
  for (const s of connections?.steps ?? []) {
    const held = Math.min(s.stillOpen, s.reached);
    out.push({
      measure: `WebSockets held of ${s.target} (RSS MB)`,
      tether: `${held} (${round(s.rssMb)})`,
      ...(s.target === 2000 ? { budget: "2,000", ok: held >= 2000 } : {}),
    });
  }
  if (r.telegram) out.push(...telegramRows(r.telegram));
  if (r.slack) out.push(...slackRows(r.slack));
  if (r.discord) out.push(...discordRows(r.discord));
  return out;
}

/** Scenarios during which other processes used more than `limit` % of a core. */
export function noisy(r: Results, limit = 25): string[] {
  const cpus: [string, CpuUse | undefined][] = [
    ["paced (tether)", r.paced?.tether?.cpu],
    ["paced (relay)", r.paced?.relay?.cpu],
    ["capacity (tether)", r.capacity?.tether?.cpu],
    ["capacity (relay)", r.capacity?.relay?.cpu],
    ["ingest", r.ingest?.cpu],
    ["telegram approvals", r.telegram?.approvalCpu],
    ["telegram burst", r.telegram?.burst.cpu],
    ["slack approvals", r.slack?.approvalCpu],
    ["slack burst", r.slack?.burst.cpu],
    ["discord approvals", r.discord?.approvalCpu],
    ["discord burst", r.discord?.burst.cpu],
  ];
  return cpus
    .filter(([, c]) => c && c.others > limit)
    .map(([name, c]) => `${name}: other processes used ${round(c!.others)}% of a core`);
}

export function printTable(table: Row[]): void {
  const header = ["measure", "tether", "relay floor", "ratio", "budget", "ok"];
  const cells = table.map((r) => [
    r.measure,
    String(r.tether),
    r.relay === undefined ? "" : String(r.relay),
    r.ratio === undefined ? "" : `${r.ratio}×`,
    r.budget ?? "",
    r.ok === undefined ? "" : r.ok ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

const BIOME = repoPath("node_modules/.bin/biome");

export function writeResults(
  path: string,
  machine: MachineInfo,
  seconds: number,
  results: Results,
  table: Row[],
) {
  const body = { machine, date: new Date().toISOString(), seconds, table, results };
  const numbers = (_key: string, value: unknown) =>
    typeof value === "number" ? round(value) : value;
  writeFileSync(path, `${JSON.stringify(body, numbers, 2)}\n`);
  // Lay it out the way the repo's formatter wants, so `biome check .` stays clean.
  try {
    execFileSync(BIOME, ["format", "--write", path], { stdio: "ignore" });
  } catch {
    // Without biome the file is still valid JSON.
  }
}
