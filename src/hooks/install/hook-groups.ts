// Adding and removing Tether's hooks in a parsed settings object of the shape Claude Code's
// settings.json and Codex's hooks.json share:
//   {"hooks": {"<Event>": [{"matcher": "*", "hooks": [{"type": "command", "command": "…", "timeout": 600}]}]}}
// Pure: no files here. Everything that is not one of Tether's hooks (other keys, the user's own
// hooks, also for the same events) is left as it is, in its place.
import { type HookAgent, type HookSpec, isTetherHookCommand } from "../events.js";

export type JsonObject = Record<string, unknown>;

export type ChangeKind = "added" | "updated" | "removed";

export interface HookChange {
  event: string;
  change: ChangeKind;
}

/** The settings have a shape we must not guess about (e.g. "hooks" is a list). */
export class SettingsShapeError extends Error {
  override name = "SettingsShapeError";
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `hook` (one entry of a group's "hooks") is one of Tether's for `agent`. */
function isTetherHook(hook: unknown, agent: HookAgent): boolean {
  return (
    isObject(hook) &&
    hook.type === "command" &&
    typeof hook.command === "string" &&
    isTetherHookCommand(hook.command, agent)
  );
}

/** The group Tether installs for one event. */
export function tetherGroup(spec: HookSpec, command: string): JsonObject {
  return {
    ...(spec.matcher === undefined ? {} : { matcher: spec.matcher }),
    hooks: [{ type: "command", command, timeout: spec.timeoutS }],
  };
}

/** Events that hold at least one of Tether's hooks. */
export function tetherEvents(root: JsonObject, agent: HookAgent): string[] {
  const hooks = root.hooks;
  if (!isObject(hooks)) return [];
  return Object.keys(hooks).filter((event) => {
    const groups = hooks[event];
    return (
      Array.isArray(groups) && groups.some((g) => groupHooks(g).some((h) => isTetherHook(h, agent)))
    );
  });
}

/** The commands of Tether's hooks, by event. */
export function tetherCommands(root: JsonObject, agent: HookAgent): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const hooks = root.hooks;
  if (!isObject(hooks)) return found;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    const commands = groups
      .flatMap((g) => groupHooks(g))
      .filter((h) => isTetherHook(h, agent))
      .map((h) => String((h as JsonObject).command));
    if (commands.length > 0) found.set(event, commands);
  }
  return found;
}

/** `root` with one Tether group per event of `specs` running `command`: a group of ours that is
 * already there is updated in place; Tether hooks found elsewhere (an older version's, or for an
 * event no longer in `specs`) are taken out. */
export function withTetherHooks(
  root: JsonObject,
  agent: HookAgent,
  specs: readonly HookSpec[],
  command: string,
): { root: JsonObject; changes: HookChange[] } {
  const next = structuredClone(root);
  const hooks = hooksObject(next);
  const changes: HookChange[] = [];
  const wanted = new Set(specs.map((s) => s.event));
  for (const event of Object.keys(hooks)) {
    if (wanted.has(event)) continue;
    if (takeOut(hooks, event, agent, undefined)) changes.push({ event, change: "removed" });
  }
  for (const spec of specs) {
    const groups = eventGroups(hooks, spec.event) ?? [];
    const group = tetherGroup(spec, command);
    const ours = groups
      .map((g, i) => ({ g, i }))
      .filter(({ g }) => groupHooks(g).some((h) => isTetherHook(h, agent)));
    const only = ours.length === 1 ? ours[0] : undefined;
    if (only && groupHooks(only.g).length === 1) {
      if (sameJson(only.g, group)) continue;
      groups[only.i] = group;
      changes.push({ event: spec.event, change: "updated" });
    } else {
      hooks[spec.event] = [...withoutTetherHooks(groups, agent), group];
      changes.push({ event: spec.event, change: ours.length > 0 ? "updated" : "added" });
    }
  }
  next.hooks = hooks;
  return { root: next, changes };
}

/** `root` without Tether's hooks. A group or event list left empty by that goes too, and so does
 * "hooks" when it is left empty, unless `before` (the file as it was before install) had it. */
export function withoutTether(
  root: JsonObject,
  agent: HookAgent,
  before: JsonObject | undefined,
): { root: JsonObject; changes: HookChange[] } {
  const next = structuredClone(root);
  const hooks = next.hooks;
  if (!isObject(hooks)) return { root: next, changes: [] };
  const beforeHooks = before && isObject(before.hooks) ? before.hooks : undefined;
  const changes: HookChange[] = [];
  for (const event of Object.keys(hooks)) {
    if (takeOut(hooks, event, agent, beforeHooks)) changes.push({ event, change: "removed" });
  }
  if (changes.length > 0 && Object.keys(hooks).length === 0 && !beforeHooks) delete next.hooks;
  return { root: next, changes };
}

/** Removes Tether's hooks from `hooks[event]`; true when there were any. The list goes when it
 * is left empty, unless `keepFrom` has that event. */
function takeOut(
  hooks: JsonObject,
  event: string,
  agent: HookAgent,
  keepFrom: JsonObject | undefined,
): boolean {
  const groups = eventGroups(hooks, event);
  if (!groups?.some((g) => groupHooks(g).some((h) => isTetherHook(h, agent)))) return false;
  const remaining = withoutTetherHooks(groups, agent);
  if (remaining.length === 0 && !(keepFrom && event in keepFrom)) delete hooks[event];
  else hooks[event] = remaining;
  return true;
}

/** The groups without Tether's hooks; a group that held only Tether's goes. */
function withoutTetherHooks(groups: unknown[], agent: HookAgent): unknown[] {
  const out: unknown[] = [];
  for (const group of groups) {
    const inner = groupHooks(group);
    if (!inner.some((h) => isTetherHook(h, agent))) {
      out.push(group);
      continue;
    }
    const kept = inner.filter((h) => !isTetherHook(h, agent));
    if (kept.length > 0) out.push({ ...(group as JsonObject), hooks: kept });
  }
  return out;
}

function groupHooks(group: unknown): unknown[] {
  return isObject(group) && Array.isArray(group.hooks) ? group.hooks : [];
}

function hooksObject(root: JsonObject): JsonObject {
  if (root.hooks === undefined) return {};
  if (!isObject(root.hooks)) throw new SettingsShapeError(`"hooks" is not an object`);
  return root.hooks;
}

function eventGroups(hooks: JsonObject, event: string): unknown[] | undefined {
  const groups = hooks[event];
  if (groups === undefined) return undefined;
  if (!Array.isArray(groups)) throw new SettingsShapeError(`"hooks.${event}" is not a list`);
  return groups;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
