// Drives an interactive terminal program (an agent's TUI) in tmux, the way a person at a
// terminal would: a pane of a fixed size, keys sent, the screen read back. Each driver runs its
// own tmux server on its own socket, so tests never share a server or touch the developer's, and
// kill() takes the server and everything in its pane down. Outside CI a machine without tmux
// skips these tests and says why; in CI, .ci/run installs it, so its absence is a failure.
import { execFile } from "node:child_process";
import { findOnPath } from "../../dist/adapters/on-path.js";

/** Why terminal tests cannot run here, or undefined when they can (or must, in CI). */
export function tmuxSkipReason(): string | undefined {
  if (findOnPath("tmux", process.env.PATH) || process.env.CI) return undefined;
  return "tmux is missing: install it (apt-get install -y tmux) to run the terminal tests";
}

export interface TmuxOptions {
  /** The server's socket: a path only this test uses (e.g. inside its temp dir). */
  socket: string;
  cwd: string;
  /** The whole environment of the program (the tmux server's too, so nothing else leaks in). */
  env: Record<string, string>;
  columns?: number;
  rows?: number;
}

export interface Tmux {
  /** What the pane shows now, one string, trailing blanks trimmed. */
  screen(): Promise<string>;
  /** Types `text` as it is (no key names). */
  type(text: string): Promise<void>;
  /** Presses keys by tmux name: "Enter", "Escape", "C-c", "1", … */
  press(...keys: string[]): Promise<void>;
  /** Waits until the screen matches `pattern`; fails with the last screen in the message. */
  waitForScreen(
    pattern: RegExp,
    options?: { timeoutMs?: number; what?: string; intervalMs?: number },
  ): Promise<string>;
  /** Kills the server and the program with it. Harmless twice. */
  kill(): Promise<void>;
}

const WINDOW = "tui";

/** Starts `command` in a new pane of a new tmux server. */
export async function startTmux(command: readonly string[], options: TmuxOptions): Promise<Tmux> {
  const { socket, cwd } = options;
  // Not the tmux the tests may themselves run in.
  const env = Object.fromEntries(
    Object.entries(options.env).filter(([key]) => key !== "TMUX" && key !== "TMUX_PANE"),
  );
  const tmux = (...args: string[]) => run(["-S", socket, ...args], cwd, env);
  await tmux(
    "-f",
    "/dev/null",
    "start-server",
    ";",
    // A program that exits leaves its pane (and its last words) to read.
    "set-option",
    "-g",
    "remain-on-exit",
    "on",
    ";",
    "new-session",
    "-d",
    "-s",
    WINDOW,
    "-x",
    String(options.columns ?? 160),
    "-y",
    String(options.rows ?? 45),
    "-c",
    cwd,
    "--",
    ...command,
  );
  let killed = false;
  const screen = async () =>
    (await tmux("capture-pane", "-p", "-J", "-t", WINDOW))
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .trimEnd();
  return {
    screen,
    async type(text) {
      await tmux("send-keys", "-t", WINDOW, "-l", text);
    },
    async press(...keys) {
      await tmux("send-keys", "-t", WINDOW, ...keys);
    },
    async waitForScreen(pattern, { timeoutMs = 30_000, what, intervalMs = 100 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await screen();
        if (pattern.test(now)) return now;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${what ?? pattern} on the screen; it shows:\n${now}`,
          );
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
    async kill() {
      if (killed) return;
      killed = true;
      await tmux("kill-server").catch(() => {
        // Already gone.
      });
    },
  };
}

function run(args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("tmux", args, { cwd, env, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tmux ${args.join(" ")}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
