// Storage that cannot be used at start-up, said in one line that names the file and what is
// wrong with it, so the user knows what to fix (the daemon prints it and exits 1).
import { StartupError } from "../startup-error.js";

export class StorageError extends StartupError {
  override name = "StorageError";

  /** `error` (from fs or SQLite) while using `path`, which is `what` (e.g. "the database"). */
  static from(error: unknown, path: string, what: string): StorageError {
    if (error instanceof StorageError) return error;
    return new StorageError(`${path}: ${describe(error, what)}`, { cause: error });
  }
}

function describe(error: unknown, what: string): string {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  switch (code) {
    case "SQLITE_NOTADB":
      return `${what} is not a SQLite database (damaged, or another kind of file); restore it from a backup, or move it away to start with an empty one`;
    case "SQLITE_CORRUPT":
    case "SQLITE_CORRUPT_VTAB":
    case "SQLITE_CORRUPT_SEQUENCE":
    case "SQLITE_CORRUPT_INDEX":
      return damaged(what, message);
    case "SQLITE_FULL":
    case "ENOSPC":
      return `the disk is full, so ${what} cannot be written; free some space and start again`;
    case "EDQUOT":
      return `the disk quota is used up, so ${what} cannot be written; free some space and start again`;
    case "SQLITE_READONLY":
    case "SQLITE_READONLY_DIRECTORY":
    case "SQLITE_PERM":
    case "EACCES":
    case "EPERM":
      return `${what} cannot be written (permission denied); make it and its directory writable by this user`;
    case "EROFS":
      return `${what} is on a read-only file system; choose another data dir with --data-dir`;
    case "EISDIR":
      return `${what} is a directory, not a file; move it away`;
    case "ENOTDIR":
      return `a part of the path is a file, not a directory; choose another data dir with --data-dir`;
    case "SQLITE_CANTOPEN":
      return `${what} cannot be opened (${message}); check that it is a file this user may read and write`;
    default:
      return `${what} cannot be used (${typeof code === "string" ? `${code}: ` : ""}${message})`;
  }
}

export function damaged(what: string, problem: string): string {
  return `${what} is damaged (${problem}); restore it from a backup, or move it away to start with an empty one`;
}
