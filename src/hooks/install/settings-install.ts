// Installing Tether's hooks in one settings file and taking them out again, with a way back:
// before the first install, the file as it was goes to `<file>.tether-backup`, and
// `<file>.tether-installed` remembers what install wrote. Uninstall finding the file exactly as
// install left it puts the backup back byte for byte (or deletes the file, when there was none);
// a file edited since keeps the edits and loses only Tether's hooks.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { HookAgent, HookSpec } from "../events.js";
import {
  type HookChange,
  type JsonObject,
  SettingsShapeError,
  tetherEvents,
  withoutTether,
  withTetherHooks,
} from "./hook-groups.js";
import {
  formatLike,
  parseRoot,
  readJsonFile,
  SettingsFileError,
  writeAtomically,
} from "./json-file.js";

export interface InstallResult {
  /** The file written (where a symlink points, if it is one). */
  file: string;
  changes: HookChange[];
  /** Where the file as it was before Tether's first install is kept; undefined: there was none. */
  backup: string | undefined;
  createdFile: boolean;
}

export interface UninstallResult {
  file: string;
  changes: HookChange[];
  /** "restored": the backup is back exactly; "deleted": Tether had created the file;
   * "edited": only Tether's hooks were taken out (the file changed since install);
   * "none": there was nothing of Tether's. */
  outcome: "restored" | "deleted" | "edited" | "none";
  /** A backup left in place (outcome "edited"): the file as it was before install. */
  backupKept: string | undefined;
}

interface InstallRecord {
  /** sha256 of the bytes install wrote. */
  sha256: string;
  /** Whether there was a file before the first install (then the backup holds it). */
  had_file: boolean;
}

export const backupPath = (file: string) => `${file}.tether-backup`;
export const recordPath = (file: string) => `${file}.tether-installed`;

export function installHooks(
  path: string,
  agent: HookAgent,
  specs: readonly HookSpec[],
  command: string,
): InstallResult {
  const current = readJsonFile(path);
  const { root, changes } = shaped(
    () => withTetherHooks(current.root, agent, specs, command),
    path,
  );
  const file = current.path;
  const fresh = tetherEvents(current.root, agent).length === 0;
  // The way back is taken before the first install only: a second install must not make the
  // file with an older Tether's hooks the "original".
  const record = fresh ? undefined : readRecord(file);
  const hadFile = record
    ? record.had_file
    : fresh
      ? current.text !== undefined
      : existsSync(backupPath(file));
  const backup = hadFile ? backupPath(file) : undefined;
  if (changes.length === 0 && current.text !== undefined) {
    return {
      file,
      changes,
      backup: existsSync(backupPath(file)) ? backup : undefined,
      createdFile: false,
    };
  }
  const text = formatLike(current.text, root);
  mkdirSync(dirname(file), { recursive: true });
  if (fresh) {
    // Its bytes as they are (not the text decoded and encoded again): the backup is exact.
    if (current.text !== undefined) {
      writeAtomically(backupPath(file), readFileSync(file), current.mode);
    } else rmSync(backupPath(file), { force: true });
  }
  writeAtomically(file, text, current.mode);
  const next: InstallRecord = { sha256: sha256(text), had_file: hadFile };
  writeAtomically(recordPath(file), `${JSON.stringify(next)}\n`, current.mode);
  return { file, changes, backup, createdFile: current.text === undefined };
}

export function uninstallHooks(path: string, agent: HookAgent): UninstallResult {
  const current = readJsonFile(path);
  const file = current.path;
  const record = readRecord(file);
  const before = readBackup(file);
  const { root, changes } = shaped(() => withoutTether(current.root, agent, before?.root), path);
  if (changes.length === 0) {
    return { file, changes, outcome: "none", backupKept: undefined };
  }
  if (record && current.text !== undefined && sha256(current.text) === record.sha256) {
    if (record.had_file && before) {
      writeAtomically(file, before.bytes, current.mode);
      forgetInstall(file);
      return { file, changes, outcome: "restored", backupKept: undefined };
    }
    if (!record.had_file) {
      unlinkSync(file);
      forgetInstall(file);
      return { file, changes, outcome: "deleted", backupKept: undefined };
    }
  }
  writeAtomically(file, formatLike(current.text, root), current.mode);
  rmSync(recordPath(file), { force: true });
  return { file, changes, outcome: "edited", backupKept: before ? backupPath(file) : undefined };
}

/** The file at `path` as it is, parsed, checked for a shape install and uninstall can work on
 * (throws SettingsFileError otherwise): run for every file before writing any. */
export function readHooksFile(
  path: string,
  agent: HookAgent,
): { file: string; root: JsonObject; exists: boolean } {
  const current = readJsonFile(path);
  shaped(() => withTetherHooks(current.root, agent, [], ""), path);
  return { file: current.path, root: current.root, exists: current.text !== undefined };
}

function forgetInstall(file: string): void {
  rmSync(backupPath(file), { force: true });
  rmSync(recordPath(file), { force: true });
}

function readRecord(file: string): InstallRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(recordPath(file), "utf8")) as Partial<InstallRecord>;
    if (typeof parsed.sha256 === "string" && typeof parsed.had_file === "boolean") {
      return { sha256: parsed.sha256, had_file: parsed.had_file };
    }
  } catch {
    // No record (or a damaged one): uninstall then only takes Tether's hooks out.
  }
  return undefined;
}

function readBackup(file: string): { bytes: Buffer; root: JsonObject } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(backupPath(file));
  } catch {
    return undefined;
  }
  try {
    return { bytes, root: parseRoot(backupPath(file), bytes.toString("utf8")) };
  } catch {
    return { bytes, root: {} };
  }
}

function shaped<T>(fn: () => T, path: string): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SettingsShapeError) {
      throw new SettingsFileError(`${path}: ${error.message}; fix it first: nothing was changed`);
    }
    throw error;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
