// The service managers' own commands (systemctl, launchctl), run and reported.
import { execFile } from "node:child_process";

export interface Ran {
  ok: boolean;
  /** What it said, trimmed, for the user when it failed. */
  output: string;
}

export type Runner = (command: string, args: string[]) => Promise<Ran>;

export const runCommand: Runner = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const output = `${String(stdout)}${String(stderr)}`.trim();
      resolve({ ok: !error, output: output || (error ? error.message : "") });
    });
  });

/** A command line as the user would type it (for "run this yourself" hints). */
export function shellLine(command: string, args: string[]): string {
  return [command, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}
