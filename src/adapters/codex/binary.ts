// Where the Codex CLI is. We prefer the native binary vendored by our own @openai/codex dependency,
// so every user gets the version Tether was tested with, and we spawn it directly: the package's
// node_modules/.bin/codex is a Node wrapper that (on Node 20) cannot execve and would stay around
// as an extra parent process that only forwards signals. Without it, `codex` on PATH.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** npm platform package suffix → Rust target triple used inside its vendor/ folder. */
const TRIPLES: Readonly<Record<string, string>> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/** The command to spawn: an absolute path to the vendored binary, or `codex` (PATH lookup). */
export function codexCommand(): string {
  return vendoredCodex() ?? "codex";
}

export function vendoredCodex(): string | undefined {
  const key = `${process.platform}-${process.arch}`;
  const triple = TRIPLES[key];
  if (!triple) return undefined;
  const pkg = `@openai/codex-${key}/package.json`;
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  const require = createRequire(import.meta.url);
  // The platform package is an optional dependency of @openai/codex: npm usually hoists it next
  // to us, but may nest it under @openai/codex/node_modules.
  const resolvers = [() => require.resolve(pkg)];
  resolvers.push(() => createRequire(require.resolve("@openai/codex/package.json")).resolve(pkg));
  for (const resolve of resolvers) {
    try {
      const binary = join(dirname(resolve()), "vendor", triple, "bin", exe);
      if (existsSync(binary)) return binary;
    } catch {
      // Not installed this way; try the next.
    }
  }
  return undefined;
}
