// Reading and writing an agent's JSON settings file the careful way: a file that is not JSON is
// refused (never overwritten), a symlinked file (dotfiles) is written where it points, and every
// write goes to a temp file beside it that is renamed over it, with the original's mode, so a
// crash leaves the old file or the new one, never half of one.
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { isObject, type JsonObject } from "./hook-groups.js";

/** The file cannot be used as it is: the message says why and that nothing was written. */
export class SettingsFileError extends Error {
  override name = "SettingsFileError";
}

export interface JsonFile {
  /** Where the bytes are: the path, or what it links to. */
  path: string;
  /** The file's bytes; undefined when there is no file. */
  text: string | undefined;
  /** Parsed; {} for no file or an empty one. */
  root: JsonObject;
  /** Permission bits to write it back with. */
  mode: number | undefined;
}

export function readJsonFile(path: string): JsonFile {
  const real = resolveLink(path);
  let text: string;
  try {
    text = readFileSync(real, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { path: real, text: undefined, root: {}, mode: undefined };
    }
    throw new SettingsFileError(`cannot read ${real}: ${(error as Error).message}`);
  }
  return { path: real, text, root: parseRoot(real, text), mode: statSync(real).mode & 0o7777 };
}

export function parseRoot(path: string, text: string): JsonObject {
  if (text.trim() === "") return {};
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new SettingsFileError(
      `${path} is not valid JSON (${(error as Error).message}); fix it first: nothing was changed`,
    );
  }
  if (!isObject(root)) {
    throw new SettingsFileError(`${path} is not a JSON object; fix it first: nothing was changed`);
  }
  return root;
}

/** `root` as text in the file's own style: its indentation (two spaces when there is none to
 * copy) and its final newline. */
export function formatLike(original: string | undefined, root: JsonObject): string {
  const blank = original === undefined || original.trim() === "";
  // A one-line file stays one line, except an empty object, which only waited for content.
  const oneLine = !blank && !original.trim().includes("\n") && !/^\{\s*\}$/.test(original.trim());
  const indent = oneLine ? "" : (original?.match(/^[{[][^\n]*\n([ \t]+)\S/)?.[1] ?? "  ");
  const newline = blank || original.endsWith("\n");
  return JSON.stringify(root, null, indent) + (newline ? "\n" : "");
}

/** Replaces `path` with `text` atomically, keeping `mode` (a new file gets the default). */
export function writeAtomically(
  path: string,
  text: string | Uint8Array,
  mode: number | undefined,
): void {
  const temp = `${path}.tether-tmp-${process.pid}`;
  try {
    const fd = openSync(temp, "w", mode ?? 0o644);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // openSync's mode is filtered by the umask; the original's bits are what it should keep.
    if (mode !== undefined) chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new SettingsFileError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Where a symlink points (so the link stays a link); the path itself otherwise. */
function resolveLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}
