// The `codex app-server` child process: spawning it in its own process group, remembering the
// end of its stderr (for a useful message when it dies), and stopping it with everything it
// started (shells, the sandbox helper), which are its children and share its group.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { agentProcessEnv } from "../agent-env.js";
import { AdapterError } from "../types.js";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Warnings Codex 0.169 prints on every start on many machines; as "the last stderr line" of a
 * crash they would only mislead. */
const HARMLESS_STDERR = [/could not find bubblewrap on PATH/, /could not create PATH aliases/];

/** Keep this much of stderr: enough for the last few lines, bounded for a chatty process. */
const STDERR_KEEP = 8192;

export class CodexProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private stderrTail = "";

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_KEEP);
    });
  }

  static async spawn(
    command: string,
    options: { cwd: string; env: Readonly<Record<string, string>> },
  ): Promise<CodexProcess> {
    const child = spawn(command, ["app-server"], {
      cwd: options.cwd,
      env: agentProcessEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group, so stop() can signal the commands Codex runs too.
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          error.code === "ENOENT"
            ? new AdapterError(
                `Codex CLI not found (${command}): install Codex with \`npm install -g @openai/codex\``,
                { cause: error },
              )
            : new AdapterError(`Could not start Codex (${command}): ${error.message}`, {
                cause: error,
              }),
        );
      });
    });
    return new CodexProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last meaningful stderr line, without terminal colours. */
  lastStderrLine(): string {
    const lines = stripAnsi(this.stderrTail)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !HARMLESS_STDERR.some((noise) => noise.test(line)));
    return lines.at(-1) ?? "";
  }

  /** Ends stdin (Codex exits by itself and flushes its thread to disk), then after `graceMs`
   * SIGTERMs the process group, then SIGKILLs whatever is left. Resolves when the process and
   * its group are gone. Safe to call twice. */
  async stop(graceMs = 2000, termMs = 3000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    this.child.stdin.end();
    await Promise.race([this.exited, delay(graceMs)]);
    // Even after a clean exit, commands it started may still run in its group.
    signalGroup(pid, "SIGTERM");
    const gone = await Promise.race([
      Promise.all([this.exited, groupGone(pid)]).then(() => true),
      delay(termMs).then(() => false),
    ]);
    if (!gone) {
      signalGroup(pid, "SIGKILL");
      await this.exited;
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function groupGone(pgid: number): Promise<void> {
  while (groupAlive(pgid)) await delay(25);
}

/** Whether a live process is left in the group. Zombies do not count: orphans are reparented to
 * init, which may take a second or more to reap them, and they hold nothing. Linux can tell from
 * /proc; elsewhere a signal-0 probe (which counts zombies) is the best we have. */
function groupAlive(pgid: number): boolean {
  if (process.platform !== "linux") {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      // After "(comm)": state, ppid, pgrp, … (comm may contain spaces and parentheses).
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // Exited meanwhile.
    }
  }
  return false;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}
