// Runs the real `tether` bundle as a child process, in the environment of a user with no Tether
// settings of their own and a temp home, and checks the one-line error contract.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { CLI } from "./daemon.js";

export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** The environment with no TETHER_*, bridge or agent settings inherited, HOME and the config
 * dirs in `home`, and `extra` on top. */
export function userEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      !/^(TETHER_|TELEGRAM_|SLACK_|DISCORD_|XDG_CONFIG_HOME$|CLAUDE_|CODEX_|ANTHROPIC_|OPENAI_)/.test(
        k,
      )
    ) {
      clean[k] = v;
    }
  }
  return {
    ...clean,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    TETHER_AGENT_LOG_LEVEL: "silent",
    ...extra,
  };
}

export function runCli(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 15_000 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof error.code === "number"
            ? error.code
            : `signal ${error.signal}`
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exit code `code`, exactly one line on stderr, no stack trace; returns that line. */
export function oneLineError(run: CliRun, code: number): string {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.endsWith("\n"), run.stderr).toBe(true);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, "one line on stderr").toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/^\w*Error\b|node:internal/m);
  expect(lines[0]!.startsWith("tether: "), lines[0]).toBe(true);
  return lines[0]!;
}
