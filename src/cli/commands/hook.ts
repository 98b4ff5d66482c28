// `tether hook <agent>`: what Tether's hooks in Claude Code and Codex run (src/hooks/events.ts).
// It reads the hook's input on stdin, hands it to the daemon (with the URL and token from
// Tether's own settings and token file, never a command line), and prints the daemon's answer.
// It fails open: with the daemon down, slow or refusing, it prints `{}` and the agent goes on
// exactly as without Tether. It always exits 0, and writes nothing else, so the terminal the
// agent runs in never shows a hook error because of Tether.
import { AGENT_MARKER, AGENT_MARKER_VALUE } from "../../adapters/agent-env.js";
import { TetherClient } from "../../client/api.js";
import { clientSettings } from "../../client/settings.js";
import { agentProcessOfHook } from "../../hooks/agent-process.js";
import { type HookAgent, PERMISSION_WAIT_S, STOP_WAIT_S } from "../../hooks/events.js";

/** A hook's input is a few kilobytes; a tool's whole output may ride along. */
const MAX_INPUT_BYTES = 2 * 1024 * 1024;
/** An event that does not wait for a human is answered at once, or not at all. */
const QUICK_MS = 5000;
/** More than the daemon's own bound, so its answer (`{}` at its timeout) arrives. */
const MARGIN_MS = 5000;

export async function hook(agent: string): Promise<void> {
  const answer = await answerFor(agent).catch(() => CARRY_ON);
  await new Promise<void>((resolve) => process.stdout.write(`${answer}\n`, () => resolve()));
  // A keep-alive socket must not hold the agent's turn.
  process.exit(0);
}

const CARRY_ON = "{}";

async function answerFor(agent: string): Promise<string> {
  if (agent !== "claude" && agent !== "codex") return CARRY_ON;
  // An agent Tether runs itself is supervised already: its hooks are not a second door.
  if (process.env[AGENT_MARKER] === AGENT_MARKER_VALUE) return CARRY_ON;
  const input = JSON.parse(await readStdin()) as Record<string, unknown>;
  // Which process the agent is, so Tether can tell when it is gone without saying goodbye.
  const agentProcess = agentProcessOfHook();
  if (agentProcess) input.tether_agent_process = agentProcess;
  const settings = clientSettings();
  const client = new TetherClient({
    url: settings.url,
    token: settings.token,
    trustedCert: settings.trustedCert,
  });
  const answer = await client.request<unknown>(
    "POST",
    `/api/hooks/${agent}`,
    input,
    AbortSignal.timeout(waitMs(agent, input.hook_event_name)),
  );
  return answer !== null && typeof answer === "object" ? JSON.stringify(answer) : CARRY_ON;
}

function waitMs(agent: HookAgent, event: unknown): number {
  if (event === "PermissionRequest") return PERMISSION_WAIT_S[agent] * 1000 + MARGIN_MS;
  if (event === "Stop") return STOP_WAIT_S * 1000 + MARGIN_MS;
  return QUICK_MS;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new Error("hook input too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
