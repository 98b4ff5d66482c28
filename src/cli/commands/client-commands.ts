// The client commands: thin wrappers over the App API.
import type { RequestOptions } from "node:https";
import { hostname, userInfo } from "node:os";
import WebSocket from "ws";
import { ApiError, type TetherClient } from "../../client/api.js";
import type { Approval, BridgeHealth, TetherEvent } from "../../shared/schemas.js";
import { wholeNumber } from "../flags.js";
import { approvalTable, count, formatEvent, sessionTable } from "../format.js";

export { bridges, bridgesPair, bridgesRevoke } from "./bridges.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
/** `cli:<user>@<host>`, in the form the daemon accepts as a self-label for decided_by (letters,
 * digits and . _ @ -, at most 64 after the colon); anything else it would record as `api`. */
const me = () =>
  `cli:${`${userInfo().username}@${hostname()}`.replace(/[^A-Za-z0-9._@-]/g, "-").slice(0, 64)}`;

export async function status(client: TetherClient) {
  const h = await client.health();
  out(
    `Tether ${h.version} at ${client.url}: up ${Math.round(h.uptime_s)}s, ${count(h.sessions, "session")}, ${count(h.pending_approvals, "pending approval")}, auth ${h.auth ? "on" : "off"}`,
  );
  // An older daemon has no bridges field.
  for (const b of h.bridges ?? []) out(bridgeLine(b));
}

/** `telegram: retrying since 12:00:03, 14 events waiting (last error: …)`. */
export function bridgeLine(b: BridgeHealth): string {
  const since = b.state === "connected" ? "" : ` since ${b.since}`;
  const backlog = b.backlog > 0 ? `, ${count(b.backlog, "event")} waiting` : "";
  const error = b.last_error ? ` (last error: ${b.last_error})` : "";
  return `  ${b.name}: ${b.state}${since}${backlog}${error}`;
}

export async function list(client: TetherClient) {
  const sessions = await client.listSessions();
  if (sessions.length === 0) return out("no sessions");
  for (const line of sessionTable(sessions)) out(line);
}

export async function newSession(
  client: TetherClient,
  prompt: string | undefined,
  options: { kind?: string; name?: string; dir?: string },
) {
  const session = await client.createSession({
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.name ? { name: options.name } : {}),
    directory: options.dir ?? process.cwd(),
    ...(prompt ? { prompt } : {}),
  });
  out(session.id);
}

export async function input(client: TetherClient, id: string, words: string[]) {
  const { seq } = await client.sendInput(id, words.join(" "), me());
  out(`queued as #${seq}`);
}

export async function interrupt(client: TetherClient, id: string) {
  const s = await client.interrupt(id, me());
  out(`${s.id} ${s.state}`);
}

export async function approvals(client: TetherClient) {
  const pending = await client.listApprovals();
  if (pending.length === 0) return out("no pending approvals");
  for (const line of approvalTable(pending)) out(line);
}

export async function approve(
  client: TetherClient,
  idOrPrefix: string,
  option: string | undefined,
) {
  const approval = await findApproval(client, idOrPrefix);
  if (approval.status !== "pending") {
    throw new ApiError(
      409,
      "approval_already_resolved",
      `approval ${approval.id} was already ${approval.status}` +
        (approval.decided_by ? ` by ${approval.decided_by} (${approval.decision})` : ""),
    );
  }
  // Without an option, "approve" means the approval's first option (Approve by default).
  const choice = option ?? approval.options[0]!;
  const chosen = approval.options.find((o) => o.toLowerCase() === choice.toLowerCase()) ?? choice;
  const resolved = await client.resolveApproval(approval.id, chosen, me());
  out(`${resolved.id}: ${resolved.decision} (by ${resolved.decided_by})`);
}

/** The approval `idOrPrefix` names: a pending one first (what people answer), else any other,
 * so a prefix of one already answered says who answered it, as its full id does. */
async function findApproval(client: TetherClient, idOrPrefix: string): Promise<Approval> {
  const pending = await client.listApprovals();
  const exact = pending.find((a) => a.id === idOrPrefix);
  if (exact) return exact;
  const matches = pending.filter((a) => a.id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw ambiguous(idOrPrefix, matches.length, "pending approvals");
  try {
    return await client.getApproval(idOrPrefix);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  // Not pending and not a full id: look among the answered ones, which only an error path pays
  // for (they are paged from the disk).
  const done: Approval[] = [];
  for (const status of ["resolved", "cancelled"] as const) {
    done.push(...(await client.listApprovals(status)).filter((a) => a.id.startsWith(idOrPrefix)));
  }
  if (done.length === 1) return done[0]!;
  if (done.length > 1) throw ambiguous(idOrPrefix, done.length, "approvals");
  throw new ApiError(404, "approval_not_found", `no approval with id ${idOrPrefix}`);
}

function ambiguous(prefix: string, n: number, what: string): ApiError {
  return new ApiError(409, "ambiguous_id", `${prefix} matches ${n} ${what}; type more of the id`);
}

/** Follows a session's events live, reconnecting from the last seq seen. */
export async function watch(client: TetherClient, idOrPrefix: string, options: { since?: string }) {
  let lastSeq = options.since === undefined ? 0 : wholeNumber("--since", options.since);
  const session = await client.getSession(idOrPrefix);
  out(`watching ${session.name} (${session.id}), ${session.state}; Ctrl-C to stop`);
  for (;;) {
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      // The daemon's own certificate, when it serves one (`ws` passes these to https.request).
      const tls: RequestOptions = client.socketTls ?? {};
      const ws = new WebSocket(client.sessionSocketUrl(session.id, lastSeq), tls);
      ws.on("message", (raw) => {
        const msg = JSON.parse(raw.toString()) as { type: string; data: TetherEvent };
        if (msg.type !== "event") return;
        lastSeq = msg.data.seq;
        out(formatEvent(msg.data));
      });
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on("error", () => {});
    });
    if (closed.code === 4404) throw new ApiError(404, "session_not_found", closed.reason);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
