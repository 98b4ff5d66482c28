// The hook door fuzzed: whatever a hook (or anything holding the token) posts to
// /api/hooks/{agent} — random JSON, wrong types in every field, odd tool inputs, unknown events,
// huge or deeply nested values — gets a 200 with a hook answer or a 4xx saying what was wrong,
// never a 5xx, and the daemon keeps serving. Seeded, so a failure replays.
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../dist/config/load.js";
import { type Daemon, startDaemon } from "../../dist/daemon.js";
import { type ApiResponse, callApi, daemonEnv, tempDir } from "../helpers/daemon.js";

const TOKEN = "hooks-fuzz-token-0123456789abcdef0123456789abcd";
const CASES = 300;

let dir: ReturnType<typeof tempDir>;
let daemon: Daemon;
beforeAll(async () => {
  dir = tempDir("tether-hooks-fuzz-");
  const config = loadConfig({
    env: daemonEnv(dir.path, { TETHER_AGENT_TOKEN: TOKEN }),
    cwd: dir.path,
  });
  // No waits: a fuzzed PermissionRequest or Stop is never answered by anyone.
  daemon = await startDaemon(config, {
    hookWaits: { permissionS: { claude: 0, codex: 0 }, stopS: 0 },
  });
});
afterAll(async () => {
  await daemon.close();
  dir.remove();
});

const t = {
  api: (method: string, path: string, body?: unknown) =>
    callApi(daemon.url, TOKEN, method, path, body),
};

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Rand = ReturnType<typeof random>;

const EVENTS = [
  "PermissionRequest",
  "PostToolUse",
  "PostToolUseFailure",
  "PermissionDenied",
  "UserPromptSubmit",
  "Notification",
  "Stop",
  "SessionStart",
  "SessionEnd",
  "PreCompact",
  "",
  "__proto__",
];

const STRINGS = [
  "",
  "x",
  "Bash",
  "../../etc/passwd",
  "\u0000\u202e\ud800",
  "🙂".repeat(50),
  "<script>alert(1)</script>",
  "a".repeat(70_000),
];

function value(r: Rand, depth = 0): unknown {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.pick(STRINGS).slice(0, 20);
    case 4:
      return Array.from({ length: r.int(4) }, () => value(r, depth + 1));
    case 5:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [
          r.pick(["command", "file_path", "a", "__proto__", "constructor"]),
          value(r, depth + 1),
        ]),
      );
    default:
      return deep(r.int(200));
  }
}

function deep(n: number): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < n; i++) v = { v };
  return v;
}

/** A hook input, mostly well-formed with one part broken, sometimes nothing like one. */
function hookInput(r: Rand, i: number): unknown {
  if (r.int(10) === 0) return value(r);
  const input: Record<string, unknown> = {
    session_id: `fuzz-${i % 7}`,
    hook_event_name: r.pick(EVENTS),
    cwd: "/home/ada/app",
    tool_name: "Bash",
    tool_input: { command: "npm test" },
  };
  const fields = [
    "session_id",
    "hook_event_name",
    "cwd",
    "transcript_path",
    "tool_name",
    "tool_input",
    "tool_use_id",
    "tool_response",
    "prompt",
    "message",
    "notification_type",
    "last_assistant_message",
    "stop_hook_active",
    "tether_agent_process",
    "extra",
  ];
  for (let k = r.int(3) + 1; k > 0; k--) input[r.pick(fields)] = value(r);
  return input;
}

it(`answers ${CASES} fuzzed hook calls with a hook answer or a 4xx, never a 5xx`, async () => {
  const r = random(0x7e7e7);
  const statuses = new Map<number, number>();
  for (let i = 0; i < CASES; i++) {
    const agent = r.pick(["claude", "codex", "claude", "gemini"]);
    const body = hookInput(r, i);
    const res: ApiResponse = await t.api("POST", `/api/hooks/${agent}`, body);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect(
      res.status,
      `case ${i}: ${JSON.stringify(body)?.slice(0, 300)} → ${res.text.slice(0, 300)}`,
    ).toBeLessThan(500);
    if (res.status === 200) expect(typeof res.body).toBe("object");
    else expect(res.body?.error?.message, res.text).toEqual(expect.any(String));
  }
  // Both kinds were exercised: well-formed calls answered, broken ones refused.
  expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
  expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
  const health = await t.api("GET", "/api/health");
  expect(health.status).toBe(200);
  expect(health.body.status).toBe("ok");
});
