// Which agent CLI a session runs: the user's own `claude` / `codex` on the session's PATH first,
// else the one Tether's optional dependencies bring. Real files in temp dirs, real resolution.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { codexCommand, vendoredCodex } from "../../dist/adapters/codex/binary.js";
import { findOnPath } from "../../dist/adapters/on-path.js";
import { tempDir } from "../helpers/daemon.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir("tether-on-path-");
});
afterEach(() => dir.remove());

function executable(path: string, mode = 0o755): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
  return path;
}

it("finds the first executable of that name on PATH, skipping what is not one", () => {
  const a = join(dir.path, "a");
  const b = join(dir.path, "b");
  const c = join(dir.path, "c");
  executable(join(a, "claude"), 0o644); // not executable
  mkdirSync(join(b, "claude"), { recursive: true }); // a directory
  const real = executable(join(c, "claude"));
  expect(findOnPath("claude", ["", "relative/bin", a, b, c].join(delimiter))).toBe(real);
  expect(findOnPath("claude", [a, b].join(delimiter))).toBeUndefined();
  expect(findOnPath("claude", undefined)).toBeUndefined();
});

it("runs the user's own codex when it is on PATH, else the vendored one", () => {
  const vendored = vendoredCodex(createRequire(import.meta.url));
  expect(vendored, "this clone installs @openai/codex").toBeDefined();
  expect(codexCommand(join(dir.path, "empty"))).toBe(vendored);
  const own = executable(join(dir.path, "bin", "codex"));
  expect(codexCommand(join(dir.path, "bin"))).toBe(own);
});

it("runs the native binary behind npm's codex wrapper, not the Node wrapper", () => {
  // As `npm install -g @openai/codex` lays it out: bin/codex -> the package's bin/codex.js, and
  // the platform package beside it, with the native binary in vendor/<triple>/bin.
  const installed = createRequire(import.meta.url).resolve("@openai/codex/package.json");
  const lib = join(dir.path, "lib", "node_modules");
  const pkg = join(lib, "@openai", "codex");
  mkdirSync(join(pkg, "bin"), { recursive: true });
  symlinkSync(installed, join(pkg, "package.json"));
  executable(join(pkg, "bin", "codex.js"));
  const platform = join(lib, "@openai", `codex-${process.platform}-${process.arch}`);
  const native = vendoredCodex(createRequire(import.meta.url))!;
  const triple = native.split("/vendor/")[1]!.split("/")[0]!;
  mkdirSync(platform, { recursive: true });
  writeFileSync(join(platform, "package.json"), "{}");
  const binary = executable(join(platform, "vendor", triple, "bin", "codex"));
  const bin = join(dir.path, "bin");
  mkdirSync(bin);
  symlinkSync(join(pkg, "bin", "codex.js"), join(bin, "codex"));
  expect(codexCommand(bin)).toBe(binary);
});
