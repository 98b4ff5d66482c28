// Where the Codex CLI is: the user's own `codex` on the session's PATH when there is one (their
// version, their updates), else the native binary vendored by Tether's optional @openai/codex
// dependency. Either way we spawn the native binary directly when we can: npm's `codex` is a
// Node wrapper that (on Node 20) cannot execve and would stay around as an extra parent process
// that only forwards signals.
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { findOnPath } from "../on-path.js";

/** npm platform package suffix → Rust target triple used inside its vendor/ folder. */
const TRIPLES: Readonly<Record<string, string>> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/** An optional dependency of Tether: left out by `npm install --omit=optional`. */
export const CODEX_MISSING =
  "Codex is not installed: run `npm install -g @openai/codex` so that `codex` is on PATH (or reinstall Tether without --omit=optional)";

/** The command to spawn for a session whose PATH is `path`, or undefined when there is none. */
export function codexCommand(path: string | undefined): string | undefined {
  const own = findOnPath("codex", path);
  if (own) return nativeBehindWrapper(own) ?? own;
  return vendoredCodex(createRequire(import.meta.url));
}

/** The native binary in the @openai/codex package that `codex` (npm's bin link to its Node
 * wrapper, bin/codex.js) belongs to; undefined for any other kind of `codex`. */
function nativeBehindWrapper(codex: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(codex);
  } catch {
    return undefined;
  }
  const pkgJson = join(dirname(dirname(target)), "package.json");
  if (!/[\\/]@openai[\\/]codex[\\/]bin[\\/]codex\.js$/.test(target) || !existsSync(pkgJson)) {
    return undefined;
  }
  return vendoredCodex(createRequire(pkgJson));
}

/** The native binary of the platform package that `require` (beside @openai/codex) finds. */
export function vendoredCodex(require: NodeJS.Require): string | undefined {
  const key = `${process.platform}-${process.arch}`;
  const triple = TRIPLES[key];
  if (!triple) return undefined;
  const pkg = `@openai/codex-${key}/package.json`;
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  // The platform package is an optional dependency of @openai/codex: npm usually hoists it next
  // to it, but may nest it under @openai/codex/node_modules.
  const resolvers = [
    () => require.resolve(pkg),
    () => createRequire(require.resolve("@openai/codex/package.json")).resolve(pkg),
  ];
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
