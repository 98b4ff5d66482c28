// How the CLI ends on a problem: one line on stderr, and the exit code README documents
// (1: something failed; 2: a bad setting, flag or usage).
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function fail(line: string, code: number = EXIT_FAILED): never {
  process.stderr.write(`tether: ${line}\n`);
  process.exit(code);
}
