// makeDirs: creates missing parents one mkdir at a time, so a file system that refuses (procfs)
// is an error at once instead of Node's recursive mkdir looping forever.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeDirs, virtualFileSystem } from "../../dist/shared/make-dirs.js";
import { tempDir } from "../helpers/daemon.js";

let dir: { path: string; remove(): void } | undefined;
afterEach(() => dir?.remove());

describe("makeDirs", () => {
  it("creates the directory and its parents with the mode, and is a no-op when it exists", () => {
    dir = tempDir("tether-mkdirs-");
    const deep = join(dir.path, "a", "b", "c");
    expect(makeDirs(deep, 0o700)).toBe(true);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(dir.path, "a")).mode & 0o077).toBe(0);
    expect(makeDirs(deep, 0o700)).toBe(false);
  });

  it("says ENOTDIR when a file is in the way", () => {
    dir = tempDir("tether-mkdirs-");
    writeFileSync(join(dir.path, "file"), "");
    expect(() => makeDirs(join(dir!.path, "file", "x", "y"), 0o700)).toThrow(
      expect.objectContaining({ code: "ENOTDIR" }),
    );
  });

  it.runIf(process.platform === "linux")("fails at once under /proc, which refuses mkdir", () => {
    expect(() => makeDirs("/proc/tether-test/a/b", 0o700)).toThrow(
      expect.objectContaining({ code: "ENOENT" }),
    );
    expect(existsSync("/proc/tether-test")).toBe(false);
  });

  it.runIf(process.platform === "linux")("names the kernel's virtual file systems", () => {
    expect(virtualFileSystem("/proc/tether-test/x")).toBe("/proc");
    expect(virtualFileSystem("/sys/kernel")).toBe("sysfs (/sys)");
    dir = tempDir("tether-mkdirs-");
    expect(virtualFileSystem(join(dir.path, "not-yet"))).toBeUndefined();
  });
});
