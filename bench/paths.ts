// Files outside bench/ that the harness needs, by their path in the repository. The bench
// compiles to bench/dist/bench/ (its tsconfig's rootDir is the repository, so that it can import
// the test fakes), which is what every path here is resolved from.
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../../", import.meta.url);

/** The absolute path of `path`, given relative to the repository's root. */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(path, ROOT));
}
