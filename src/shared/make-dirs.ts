// Creating a directory and its parents without Node's `mkdirSync({ recursive: true })`, which
// loops forever when mkdir says ENOENT although the parent exists (as it does on /proc): a data
// dir under /proc hung `tether start`. Also the kernel's virtual file systems, which can never
// hold a database, named so the user hears why instead of a raw error code.
import { existsSync, mkdirSync, statfsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Linux statfs magic numbers of file systems that hold kernel state, not files. */
const VIRTUAL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "/proc"],
  [0x62656572, "sysfs (/sys)"],
  [0x27e0eb, "cgroupfs"],
  [0x63677270, "cgroup2fs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x1cd1, "devpts"],
  [0xcafe4a11, "bpffs"],
  [0x6165676c, "pstore"],
  [0xde5e81e4, "efivarfs"],
  [0x62656570, "configfs"],
]);

/** The deepest part of `path` that exists (the path itself when it does). */
export function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  return p;
}

/** The name of the virtual file system `path` is (or would be created) on; undefined for a
 * real one, and off Linux. */
export function virtualFileSystem(path: string): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    return VIRTUAL_FILE_SYSTEMS.get(statfsSync(nearestExisting(path)).type);
  } catch {
    return undefined;
  }
}

/** An fs-like error with a code, so callers describe it like any other. */
function fsError(code: string, path: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, mkdir '${path}'`), { code, path });
}

/**
 * Creates `path` and any missing parents with `mode`, one mkdir each, and throws the first
 * error (ENOTDIR when a file is in the way, ENOENT when the file system refuses to create).
 * Returns whether it created `path`.
 */
export function makeDirs(path: string, mode: number): boolean {
  const target = resolve(path);
  const missing: string[] = [];
  let p = target;
  while (!existsSync(p)) {
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (missing.length === 0) return false;
  if (existsSync(p) && !statSync(p).isDirectory()) {
    throw fsError("ENOTDIR", p, "not a directory");
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      // Made meanwhile by someone else (another daemon starting): fine.
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && statSync(dir).isDirectory()) {
        continue;
      }
      throw error;
    }
  }
  return true;
}
