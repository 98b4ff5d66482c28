// Which process is the agent a hook belongs to, and whether it still runs. `tether hook` is
// started by Claude Code or Codex (often through a shell), so the agent is the nearest ancestor
// that is not a shell. A pid alone can be reused once the agent exits, so on Linux the process's
// start time (field 22 of /proc/<pid>/stat, what Claude Code's own session registry keeps) goes
// with it; elsewhere only the pid is known.
import { readFileSync } from "node:fs";

export interface AgentProcess {
  pid: number;
  /** The process's start, in clock ticks since boot; null where /proc is not there. */
  start: string | null;
}

/** What may sit between an agent and its hook command. */
const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ksh", "fish", "env", "timeout"]);
/** Far more than agent → shell → hook; a loop in a broken /proc ends here. */
const MAX_DEPTH = 8;

/** The agent process that started this hook command, as far as this machine tells. */
export function agentProcessOfHook(): AgentProcess | undefined {
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const stat = procStat(pid);
    if (!stat) return { pid, start: null };
    if (!SHELLS.has(stat.command)) return { pid, start: stat.start };
    pid = stat.parent;
  }
  return undefined;
}

/** Whether the process still runs, and is the same process (not a later one with its pid). */
export function isRunning(agent: AgentProcess): boolean {
  if (!signalable(agent.pid)) return false;
  if (agent.start === null) return true;
  const stat = procStat(agent.pid);
  // Without /proc now, the pid answering is all there is to go on.
  return stat === undefined || stat.start === agent.start;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface ProcStat {
  command: string;
  parent: number;
  start: string;
}

/** /proc/<pid>/stat: "pid (comm) state ppid … starttime …". The command may hold spaces and
 * parentheses, so the fields are counted from the last ")". */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  // After ")": state is field 3, ppid field 4, starttime field 22.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(" ");
  const parent = Number(fields[1]);
  const start = fields[19];
  if (!Number.isInteger(parent) || start === undefined) return undefined;
  return { command: text.slice(open + 1, close), parent, start };
}
