// The data dir and the token file, checked the way `tether start` will use them, without
// creating or changing anything.
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { MIN_TOKEN_LENGTH } from "../../config/schema.js";
import { nearestExisting, virtualFileSystem } from "../../shared/make-dirs.js";
import { type Check, failed, ok, warn } from "./check.js";

/** Less free space than this and the database may fail to write soon. */
const LOW_DISK_BYTES = 200 * 1024 * 1024;

const writable = (path: string) => {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MB`;

/** `name` is how the user set the dir (`--data-dir` or TETHER_AGENT_DATA_DIR). */
export function checkDataDir(dir: string, name: string): Check[] {
  const path = resolve(dir);
  const label = "data dir";
  const virtual = virtualFileSystem(path);
  if (virtual) {
    return [
      failed(
        label,
        `${path} is on ${virtual}, which cannot hold files; set ${name} to a directory on a disk`,
      ),
    ];
  }
  const base = nearestExisting(path);
  let found: Check;
  if (base === path) {
    const stat = statSync(path);
    if (!stat.isDirectory()) {
      return [
        failed(label, `${path} is a file, not a directory; move it away or set ${name} elsewhere`),
      ];
    }
    if (!writable(path)) {
      return [
        failed(
          label,
          `${path} is not writable by this user; fix its owner or mode, or set ${name} elsewhere`,
        ),
      ];
    }
    const mode = stat.mode & 0o777;
    found =
      mode & 0o077
        ? warn(
            label,
            `${path} is open to others (mode ${mode.toString(8)}); \`chmod 700 ${path}\` (start does it too)`,
          )
        : ok(label, `${path} (mode 700)`);
  } else {
    if (!statSync(base).isDirectory()) {
      return [failed(label, `${path}: ${base} is a file, not a directory; set ${name} elsewhere`)];
    }
    if (!writable(base)) {
      return [
        failed(
          label,
          `${path} cannot be created: ${base} is not writable by this user; set ${name} elsewhere`,
        ),
      ];
    }
    found = ok(label, `${path} (start creates it, mode 700)`);
  }
  return [found, checkDisk(base)];
}

function checkDisk(path: string): Check {
  try {
    const s = statfsSync(path);
    const free = s.bavail * s.bsize;
    return free < LOW_DISK_BYTES
      ? warn("disk", `only ${mib(free)} free where the data dir is; free some space`)
      : ok("disk", `${mib(free)} free`);
  } catch (error) {
    return warn("disk", `cannot tell the free space (${(error as NodeJS.ErrnoException).code})`);
  }
}

export function checkToken(tokenFile: string, configured: boolean, devMode: boolean): Check {
  const label = "token";
  if (devMode)
    return warn(
      label,
      "TETHER_AGENT_DEV_MODE is on: no token, anyone on this machine can drive Tether",
    );
  if (configured) return ok(label, "from TETHER_AGENT_TOKEN");
  if (!existsSync(tokenFile))
    return ok(label, `${tokenFile} not made yet; \`tether start\` makes it`);
  let mode: number;
  let text: string;
  try {
    mode = statSync(tokenFile).mode & 0o777;
    text = readFileSync(tokenFile, "utf8").trim();
  } catch (error) {
    return failed(
      label,
      `${tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code}); fix its owner, or delete it to make a new one`,
    );
  }
  if (mode & 0o077) {
    return failed(
      label,
      `${tokenFile} is readable by others (mode ${mode.toString(8)}); \`chmod 600 ${tokenFile}\``,
    );
  }
  if (text.length < MIN_TOKEN_LENGTH || /\s/.test(text)) {
    return failed(
      label,
      `${tokenFile} holds no valid token; delete it and \`tether start\` makes a new one`,
    );
  }
  return ok(label, `${tokenFile} (mode 600)`);
}
