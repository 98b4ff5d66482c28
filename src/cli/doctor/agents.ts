// Are the agent CLIs the adapters use (`claude`, `codex`; src/shared/kinds.ts) installed and
// logged in? Asked of the CLIs themselves, offline: `claude auth status` (JSON) and `codex login
// status` (exit code 0 when logged in). Missing or logged out is a warning: Tether runs without
// them (external agents, MCP).
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { ADAPTER_NAMES, ADAPTERS, type AdapterName, type AgentCli } from "../../shared/kinds.js";
import { type Check, ok, warn } from "./check.js";

/** How to check each agent CLI: an adapter on a CLI without a check here does not compile. */
const CLI_CHECKS = {
  claude: (env) => checkClaude(env),
  codex: (env) => checkCodex(env),
} satisfies Record<AgentCli, (env: NodeJS.ProcessEnv) => Promise<Check>>;

/** One check per agent CLI that some adapter uses, in the adapters' order. */
export function checkAgents(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const clis = new Set(ADAPTER_NAMES.map((name) => ADAPTERS[name].cli));
  return Promise.all([...clis].map((cli) => CLI_CHECKS[cli](env)));
}

/** Which adapter a session created without a kind runs, and what it logs in with. */
export function checkDefaultAdapter(name: AdapterName): Check {
  const { agent, login } = ADAPTERS[name];
  return ok(
    "adapter",
    `${name}, the kind of a new session (TETHER_AGENT_ADAPTER): ${agent}, on ${login}`,
  );
}

/** How long a CLI may take to say whether it is logged in. */
const CLI_TIMEOUT_MS = 8000;

/** The executable `name` on PATH, as a shell would find it. */
export function onPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  const exts = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const file = join(dir, name + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env, timeout: CLI_TIMEOUT_MS, killSignal: "SIGKILL", windowsHide: true },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function checkClaude(env: NodeJS.ProcessEnv = process.env): Promise<Check> {
  const label = "claude";
  const file = onPath("claude", env.PATH);
  if (!file) {
    return warn(
      label,
      "not on PATH; to run Claude Code sessions: npm install -g @anthropic-ai/claude-code, then `claude` to log in",
    );
  }
  // DISABLE_AUTOUPDATER: an interactive-capable claude may update itself when started.
  const ran = await run(file, ["auth", "status"], { ...env, DISABLE_AUTOUPDATER: "1" });
  let status: { loggedIn?: unknown; authMethod?: unknown } | undefined;
  try {
    status = JSON.parse(ran.stdout) as { loggedIn?: unknown; authMethod?: unknown };
  } catch {
    status = undefined;
  }
  if (status?.loggedIn === true) {
    return ok(label, `${file}, logged in (${String(status.authMethod ?? "login")})`);
  }
  if (env.ANTHROPIC_API_KEY) return ok(label, `${file}, with ANTHROPIC_API_KEY`);
  if (status === undefined && hasCredentialsFile(env)) {
    return ok(label, `${file}, logged in (credentials file)`);
  }
  return warn(
    label,
    `${file} is not logged in; run \`claude\` and log in, or set ANTHROPIC_API_KEY`,
  );
}

/** Claude Code's stored login on Linux (macOS keeps it in the Keychain). */
function hasCredentialsFile(env: NodeJS.ProcessEnv): boolean {
  const dir = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude");
  return existsSync(join(dir, ".credentials.json"));
}

export async function checkCodex(env: NodeJS.ProcessEnv = process.env): Promise<Check> {
  const label = "codex";
  const file = onPath("codex", env.PATH);
  if (!file) {
    return warn(
      label,
      "not on PATH; to run Codex sessions: npm install -g @openai/codex, then `codex login`",
    );
  }
  const ran = await run(file, ["login", "status"], env);
  // Its words, not echoed: some versions print part of the API key.
  const said = `${ran.stdout}\n${ran.stderr}`;
  const how = /chatgpt/i.test(said)
    ? " with ChatGPT"
    : /api key/i.test(said)
      ? " with an API key"
      : "";
  if (ran.code === 0) return ok(label, `${file}, logged in${how}`);
  if (ran.code === null) return warn(label, `${file} did not say whether it is logged in`);
  return warn(label, `${file} is not logged in; run \`codex login\``);
}
