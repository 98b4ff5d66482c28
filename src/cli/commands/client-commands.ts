// The client commands: thin wrappers over the App API.
import { hostname, userInfo } from "node:os";
import WebSocket from "ws";
import { ApiError, type TetherClient } from "../../client/api.js";
import type { TetherEvent } from "../../shared/schemas.js";
import { formatApproval, formatEvent, formatSession } from "../format.js";

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
    `Tether ${h.version} at ${client.url}: up ${Math.round(h.uptime_s)}s, ${h.sessions} sessions, ${h.pending_approvals} pending approvals, auth ${h.auth ? "on" : "off"}`,
  );
}

export async function list(client: TetherClient) {
  const sessions = await client.listSessions();
  if (sessions.length === 0) return out("no sessions");
  for (const s of sessions) out(formatSession(s));
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
  for (const a of pending) out(formatApproval(a));
}

export async function approve(
  client: TetherClient,
  idOrPrefix: string,
  option: string | undefined,
) {
  const pending = await client.listApprovals();
  const matches = pending.filter((a) => a.id.startsWith(idOrPrefix));
  const approval = matches.length === 1 ? matches[0]! : undefined;
  const id = approval?.id ?? idOrPrefix;
  if (matches.length > 1)
    throw new ApiError(
      409,
      "ambiguous_id",
      `${idOrPrefix} matches ${matches.length} pending approvals; type more of the id`,
    );
  // Without an option, "approve" means the approval's first option (Approve by default).
  const choice = option ?? approval?.options[0];
  if (choice === undefined) {
    // Not pending: let the daemon say whether it is unknown or who already answered it.
    const known = await client.getApproval(id);
    throw new ApiError(
      409,
      "approval_already_resolved",
      `approval ${known.id} was already ${known.status}` +
        (known.decided_by ? ` by ${known.decided_by} (${known.decision})` : ""),
    );
  }
  const option_ = approval?.options.find((o) => o.toLowerCase() === choice.toLowerCase()) ?? choice;
  const resolved = await client.resolveApproval(id, option_, me());
  out(`${resolved.id}: ${resolved.decision} (by ${resolved.decided_by})`);
}

/** Follows a session's events live, reconnecting from the last seq seen. */
export async function watch(client: TetherClient, idOrPrefix: string, options: { since?: string }) {
  const session = await client.getSession(idOrPrefix);
  out(`watching ${session.name} (${session.id}), ${session.state}; Ctrl-C to stop`);
  let lastSeq = options.since === undefined ? 0 : Number(options.since);
  for (;;) {
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = new WebSocket(client.sessionSocketUrl(session.id, lastSeq));
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
    if (closed.code === 1008 || closed.code === 4401)
      throw new ApiError(401, "unauthorized", "wrong token");
    await new Promise((r) => setTimeout(r, 1000));
  }
}
