// Codex runs a hook only once it is trusted: config.toml holds, per hook (keyed by file, event and
// position), the hash of the hook it trusted, and any edit of hooks.json invalidates it. The
// TUI's /hooks trusts them by writing `hooks.state."<key>".trusted_hash`; we do the same through
// `codex app-server` (hooks/list for each hook's key and current hash, then config/batchWrite),
// so the Codex the user runs computes the hashes itself. When that is not possible the caller
// prints the one step left to the user.
import { realpathSync } from "node:fs";
import { dirname } from "node:path";
import { codexCommand } from "../../adapters/codex/binary.js";
import { CodexProcess } from "../../adapters/codex/process.js";
import { RpcConnection } from "../../adapters/codex/rpc.js";
import { isTetherHookCommand } from "../events.js";

/** What the user does when we cannot trust the hooks for them. */
export const TRUST_BY_HAND = "open codex and run /hooks, then trust Tether's hooks";

/** A call should take well under a second; a Codex that is stuck must not hang the CLI. */
const CALL_TIMEOUT_MS = 15_000;

export interface CodexHook {
  key: string;
  eventName: string;
  command: string;
  currentHash: string;
  trustStatus: string;
}

export type TrustOutcome =
  | { ok: true; trusted: number; alreadyTrusted: number }
  | { ok: false; reason: string };

/** Trusts every Tether hook in `hooksFile` that is not trusted yet. */
export function trustTetherHooks(hooksFile: string): Promise<TrustOutcome> {
  return withCodex(hooksFile, async (call) => {
    const ours = await tetherHooks(call, hooksFile);
    if (ours.length === 0) return { ok: false, reason: "Codex does not list Tether's hooks" };
    const todo = ours.filter((h) => h.trustStatus !== "trusted");
    if (todo.length > 0) {
      await call("config/batchWrite", {
        edits: todo.map((h) => ({
          keyPath: stateKey(h.key, "trusted_hash"),
          value: h.currentHash,
          mergeStrategy: "replace",
        })),
        reloadUserConfig: true,
      });
      const after = await tetherHooks(call, hooksFile);
      const left = after.filter((h) => h.trustStatus !== "trusted");
      if (left.length > 0) {
        return { ok: false, reason: `Codex still lists ${left.length} of them as not trusted` };
      }
    }
    return { ok: true, trusted: todo.length, alreadyTrusted: ours.length - todo.length };
  });
}

/** Tether's hooks in `hooksFile` as Codex sees them (for status, and for untrusting). */
export function listTetherHooks(
  hooksFile: string,
): Promise<{ ok: true; hooks: CodexHook[] } | { ok: false; reason: string }> {
  return withCodex(hooksFile, async (call) => ({
    ok: true,
    hooks: await tetherHooks(call, hooksFile),
  }));
}

/** Removes the trust entries of `hooks` (Tether's, listed before they were uninstalled), so
 * config.toml keeps nothing of Tether's. Only entries that hold our hash: another hook's trust
 * is never touched. */
export function forgetTrust(hooksFile: string, hooks: readonly CodexHook[]): Promise<TrustOutcome> {
  return withCodex(hooksFile, async (call) => {
    const trusted = hooks.filter((h) => h.trustStatus === "trusted");
    if (trusted.length > 0) {
      await call("config/batchWrite", {
        edits: trusted.map((h) => ({
          keyPath: stateKey(h.key),
          value: null,
          mergeStrategy: "replace",
        })),
        reloadUserConfig: true,
      });
    }
    return { ok: true, trusted: trusted.length, alreadyTrusted: 0 };
  });
}

type Call = (method: string, params: unknown) => Promise<unknown>;

async function tetherHooks(call: Call, hooksFile: string): Promise<CodexHook[]> {
  const file = real(hooksFile);
  const result = (await call("hooks/list", { cwds: [dirname(hooksFile)] })) as {
    data?: { hooks?: Partial<CodexHook & { sourcePath: string }>[] }[];
  };
  const seen = new Map<string, CodexHook>();
  for (const entry of result.data ?? []) {
    for (const h of entry.hooks ?? []) {
      if (typeof h.key !== "string" || typeof h.command !== "string") continue;
      if (typeof h.sourcePath !== "string" || real(h.sourcePath) !== file) continue;
      if (!isTetherHookCommand(h.command, "codex")) continue;
      seen.set(h.key, {
        key: h.key,
        eventName: String(h.eventName),
        command: h.command,
        currentHash: String(h.currentHash),
        trustStatus: String(h.trustStatus),
      });
    }
  }
  return [...seen.values()];
}

/** Runs `fn` against a short-lived `codex app-server`; any failure becomes `{ ok: false }`. */
async function withCodex<T extends { ok: boolean }>(
  hooksFile: string,
  fn: (call: Call) => Promise<T>,
): Promise<T | { ok: false; reason: string }> {
  const command = codexCommand(process.env.PATH);
  if (!command) return { ok: false, reason: "Codex is not installed here" };
  let codex: CodexProcess | undefined;
  try {
    codex = await CodexProcess.spawn(command, {
      cwd: dirname(hooksFile),
      env: process.env as Record<string, string>,
    });
    const running = codex;
    const rpc = new RpcConnection(running.child.stdout, running.child.stdin, {
      notification: () => {},
      request: () => Promise.resolve({}),
    });
    void running.exited.then(() =>
      rpc.close(new Error(`Codex exited: ${running.lastStderrLine() || "no message"}`)),
    );
    const call: Call = (method, params) =>
      rpc.request(method, params, { timeoutMs: CALL_TIMEOUT_MS });
    await call("initialize", {
      clientInfo: { name: "tether_hooks", title: "Tether hooks install", version: "1" },
      capabilities: { experimentalApi: true },
    });
    rpc.notify("initialized");
    return await fn(call);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await codex?.stop(500, 2000);
  }
}

function stateKey(key: string, field?: string): string {
  return `hooks.state.${JSON.stringify(key)}${field ? `.${field}` : ""}`;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
