// The token Tether makes on first start when none is configured: 32 random bytes, kept in a file
// only its user can read, so the CLI and tether-mcp of that user find it without configuration
// and nobody else on the machine does.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { makeDirs } from "../shared/make-dirs.js";
import { StartupError } from "../startup-error.js";
import { MIN_TOKEN_LENGTH } from "./schema.js";

/** The token file cannot be read, written or used: start-up stops, saying which and why. */
export class TokenFileError extends StartupError {
  override name = "TokenFileError";
}

export interface LoadedToken {
  token: string;
  /** Made just now (first start). */
  created: boolean;
  /** Things fixed on the way that the user should hear about. */
  notes: string[];
}

/** The token in `path`, or a new one written there (0600) when there is no file yet. */
export function loadOrCreateToken(path: string): LoadedToken {
  if (existsSync(path)) return { ...readForDaemon(path), created: false };
  const token = randomBytes(32).toString("base64url");
  try {
    // A directory we create holds only Tether's files: private. One that exists (the user's
    // config dir, or wherever TETHER_CONFIG points) is not ours to change; the file's mode is.
    // makeDirs, not mkdirSync's recursive mode, which never returns under /proc.
    if (!existsSync(dirname(path))) makeDirs(dirname(path), 0o700);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: "w" });
    chmodSync(tmp, 0o600);
    try {
      // link, not rename: if another daemon made the file meanwhile, keep theirs and use it.
      linkSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return { ...readForDaemon(path), created: false };
    throw new TokenFileError(
      `cannot write the token file ${path} (${code ?? (error as Error).message}); make its directory writable, or set TETHER_AGENT_TOKEN_FILE or TETHER_AGENT_TOKEN`,
    );
  }
  return { token, created: true, notes: [] };
}

function readForDaemon(path: string): { token: string; notes: string[] } {
  const notes: string[] = [];
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      chmodSync(path, 0o600);
      notes.push(
        `the token file ${path} was readable by others (mode ${mode.toString(8)}); made it 0600`,
      );
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TokenFileError(`cannot read the token file ${path} (${code ?? "unknown error"})`);
  }
  const token = parseToken(text);
  if (token === undefined) {
    throw new TokenFileError(
      `the token file ${path} holds no token of at least ${MIN_TOKEN_LENGTH} characters; delete it to make a new one`,
    );
  }
  return { token, notes };
}

/** For clients: the token in `path`, or undefined when there is none to read. */
export function readTokenFile(path: string): string | undefined {
  try {
    return parseToken(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function parseToken(text: string): string | undefined {
  const token = text.trim();
  return token.length >= MIN_TOKEN_LENGTH && !/\s/.test(token) ? token : undefined;
}
