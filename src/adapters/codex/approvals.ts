// Codex's approval requests (server → client JSON-RPC requests), as Tether permission requests,
// and the human's decision as the answer Codex expects for each kind.
import type { PermissionDecision, PermissionRequest } from "../types.js";
import { describeChanges } from "./items.js";
import {
  CommandApprovalParams,
  type FileChange,
  FileChangeApprovalParams,
  PermissionsApprovalParams,
} from "./protocol.js";

export const APPROVAL_METHODS = [
  "item/commandExecution/requestApproval",
  "item/fileChange/requestApproval",
  "item/permissions/requestApproval",
] as const;
export type ApprovalMethod = (typeof APPROVAL_METHODS)[number];

export function isApprovalMethod(method: string): method is ApprovalMethod {
  return (APPROVAL_METHODS as readonly string[]).includes(method);
}

export interface Approval {
  turnId: string;
  request: PermissionRequest;
  /** The JSON-RPC result for Codex. Codex has no field for a deny message: the model only learns
   * that the human declined. */
  answer(decision: PermissionDecision): unknown;
}

/** Titles are one line for a notification. */
const MAX_TITLE_CHARS = 120;

/** `fileChanges` holds the changes of fileChange items seen in `item/started`: the approval
 * request names only the item, and the human needs to see which files. */
export function toApproval(
  method: ApprovalMethod,
  params: unknown,
  fileChanges: ReadonlyMap<string, readonly FileChange[]>,
): Approval {
  switch (method) {
    case "item/commandExecution/requestApproval":
      return commandApproval(CommandApprovalParams.parse(params));
    case "item/fileChange/requestApproval": {
      const p = FileChangeApprovalParams.parse(params);
      return fileChangeApproval(p, fileChanges.get(p.itemId) ?? []);
    }
    case "item/permissions/requestApproval":
      return permissionsApproval(PermissionsApprovalParams.parse(params));
  }
}

const acceptOrDecline = (decision: PermissionDecision) => ({
  decision: decision.allow ? "accept" : "decline",
});

function commandApproval(p: CommandApprovalParams): Approval {
  const command = p.command ?? "(command not given)";
  return {
    turnId: p.turnId,
    request: {
      tool: "command",
      title: oneLine(`command: ${shellScript(command)}`),
      description: [
        p.reason ?? "Codex wants to run a command outside its sandbox.",
        p.cwd ? `In ${p.cwd}` : "",
      ]
        .filter(Boolean)
        .join("\n"),
      input: { command, cwd: p.cwd ?? null, reason: p.reason ?? null },
    },
    answer: acceptOrDecline,
  };
}

function fileChangeApproval(p: FileChangeApprovalParams, changes: readonly FileChange[]): Approval {
  return {
    turnId: p.turnId,
    request: {
      tool: "apply_patch",
      title: oneLine(`apply_patch: ${describeChanges(changes)}`),
      description: [
        p.reason ?? "Codex wants to change files.",
        p.grantRoot ? `It asks to write under ${p.grantRoot} for the rest of the session.` : "",
      ]
        .filter(Boolean)
        .join("\n"),
      input: { changes, reason: p.reason ?? null, grant_root: p.grantRoot ?? null },
    },
    answer: acceptOrDecline,
  };
}

function permissionsApproval(p: PermissionsApprovalParams): Approval {
  const { network, fileSystem } = p.permissions;
  const wants = [
    network?.enabled ? "network access" : "",
    fileSystem?.write?.length ? `write ${fileSystem.write.join(", ")}` : "",
    fileSystem?.read?.length ? `read ${fileSystem.read.join(", ")}` : "",
  ].filter(Boolean);
  return {
    turnId: p.turnId,
    request: {
      tool: "permissions",
      title: oneLine(`permissions: ${wants.join("; ") || "more sandbox access"}`),
      description: p.reason ?? "Codex asks for more sandbox permissions for this turn.",
      input: { permissions: p.permissions, cwd: p.cwd ?? null, reason: p.reason ?? null },
    },
    // Allowing grants exactly what was asked, for this turn only; denying grants nothing.
    answer: (decision) => ({
      permissions: decision.allow
        ? {
            ...(network ? { network } : {}),
            ...(fileSystem ? { fileSystem } : {}),
          }
        : {},
      scope: "turn",
    }),
  };
}

/** `/bin/bash -lc 'touch x'` → `touch x`: Codex wraps every command in a login shell, which is
 * noise in a one-line title (the input keeps the full command). */
export function shellScript(command: string): string {
  const match = /^\S*\/(?:ba|z)?sh -lc '(.*)'$/s.exec(command);
  return match?.[1] ?? command;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= MAX_TITLE_CHARS ? flat : `${flat.slice(0, MAX_TITLE_CHARS - 1)}…`;
}
