// The data dir holds every prompt, output, approval and push secret: only its user may read it.
import { accessSync, chmodSync, constants, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeDirs, virtualFileSystem } from "../shared/make-dirs.js";
import { StorageError } from "./storage-error.js";

/** Files in the data dir that hold secrets (the database's own are chmod-ed where it opens). */
const SECRET_FILES = ["vapid.json", "answer-links.key"];

/**
 * Creates `dataDir` 0700, or narrows an existing one (and its secret files) to this user.
 * Returns what it changed, for the user to hear about.
 */
export function makePrivateDataDir(dataDir: string): string[] {
  const notes: string[] = [];
  // Before any mkdir: the kernel's file systems hang or refuse in odd ways (issue 9).
  const virtual = virtualFileSystem(dataDir);
  if (virtual) {
    throw new StorageError(
      `${dataDir}: the data dir is on ${virtual}, which holds kernel state, not files; choose a directory on a disk`,
    );
  }
  try {
    if (!existsSync(dataDir)) {
      makeDirs(dataDir, 0o700);
      chmodSync(dataDir, 0o700); // the umask may have narrowed it; make it exact
      return notes;
    }
    const stat = statSync(dataDir);
    if (!stat.isDirectory()) {
      throw new StorageError(`${dataDir}: the data dir is a file, not a directory; move it away`);
    }
    // Fails here, naming the dir, rather than later at the pid file or the database.
    accessSync(dataDir, constants.W_OK | constants.X_OK);
    const mode = stat.mode & 0o777;
    if (mode & 0o077) {
      chmodSync(dataDir, 0o700);
      notes.push(
        `the data dir ${dataDir} was open to others (mode ${mode.toString(8)}); made it 0700`,
      );
    }
    for (const name of SECRET_FILES) {
      const file = join(dataDir, name);
      if (existsSync(file) && statSync(file).mode & 0o077) chmodSync(file, 0o600);
    }
  } catch (error) {
    throw StorageError.from(error, dataDir, "the data dir");
  }
  return notes;
}
