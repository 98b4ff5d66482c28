// Where Tether may start an agent: inside one of TETHER_ALLOWED_ROOTS (default: the user's home
// directory). An agent can read and change everything below its working directory, and answering
// "no such folder" versus "not allowed" would let a caller map the disk, so every refusal has
// the same message.
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, relative, sep } from "node:path";
import { TetherError } from "../core/errors.js";

export const DIRECTORY_NOT_ALLOWED =
  "directory must be an existing folder, given as an absolute path, inside the allowed roots (TETHER_ALLOWED_ROOTS; default: your home directory)";

/** The configured roots, or the home directory when none are. */
export function allowedRoots(configured: readonly string[] | undefined): string[] {
  return configured && configured.length > 0 ? [...configured] : [homedir()];
}

/** The real path of the directory an agent should run in; without one asked, the first root.
 * Throws a 400 with DIRECTORY_NOT_ALLOWED when it is missing, not a folder, relative, or
 * (after symlinks are followed) outside every root. */
export function allowedDirectory(
  asked: string | null | undefined,
  configured: readonly string[] | undefined,
): string {
  const roots = allowedRoots(configured);
  const wanted = asked ?? roots[0]!;
  const real = isAbsolute(wanted) ? realFolder(wanted) : undefined;
  if (real === undefined) throw notAllowed();
  for (const root of roots) {
    const realRoot = realFolder(root);
    if (realRoot !== undefined && isInside(real, realRoot)) return real;
  }
  throw notAllowed();
}

function notAllowed(): TetherError {
  return new TetherError("bad_request", DIRECTORY_NOT_ALLOWED);
}

function realFolder(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
