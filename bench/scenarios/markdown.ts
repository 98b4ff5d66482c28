// The web app's Markdown parser on adversarial input: 1 MB of `*a ` (and friends), the shape
// that used to take quadratic time. Runs in this process: the parser is plain TypeScript with no
// DOM, bundled on the fly with esbuild (web/ is built by Vite with settings of its own, not by the
// bench's tsc).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { repoPath } from "../paths.js";
import { median } from "../stats.js";

export interface MarkdownResult {
  /** ms to parse 1 MB as Markdown, whole (no cap), per input; median of the runs. */
  uncappedMs: Record<string, number>;
  /** ms for what one bubble renders: the capped Markdown part of the same input (worst input). */
  cappedMs: number;
  bytes: number;
}

interface Parser {
  parseMarkdown(source: string): unknown[];
  splitAtCap(text: string): { markdown: string; rest: string };
}

const SOURCE = repoPath("web/src/markdown/parse.ts");
const UNITS = ["*a ", "**a ", "_a ", "`a ", "[a ", "*a **b "];

async function loadParser(): Promise<Parser> {
  const dir = mkdtempSync(join(tmpdir(), "tether-bench-md-"));
  try {
    const outfile = join(dir, "parse.mjs");
    await build({ entryPoints: [SOURCE], bundle: true, format: "esm", outfile, logLevel: "error" });
    return (await import(pathToFileURL(outfile).href)) as Parser;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timed(fn: () => void, runs: number): number {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export async function markdownParse(bytes = 1024 * 1024, runs = 3): Promise<MarkdownResult> {
  const parser = await loadParser();
  const uncappedMs: Record<string, number> = {};
  let cappedMs = 0;
  for (const unit of UNITS) {
    const input = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
    uncappedMs[unit] = timed(() => parser.parseMarkdown(input), runs);
    const capped = timed(() => parser.parseMarkdown(parser.splitAtCap(input).markdown), runs);
    cappedMs = Math.max(cappedMs, capped);
  }
  return { uncappedMs, cappedMs, bytes };
}
