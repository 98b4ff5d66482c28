import type { Approval, Session, TetherEvent } from "../shared/schemas.js";

const time = (iso: string) => iso.slice(11, 19);

export function formatSession(s: Session): string {
  const pad = (v: string, n: number) => v.padEnd(n);
  return `${pad(s.id, 22)} ${pad(s.state, 15)} ${pad(s.kind, 10)} ${pad(time(s.updated_at), 9)} ${s.name}`;
}

export function formatApproval(a: Approval): string {
  return `${a.id}  ${a.session_id}  ${a.title}  [${a.options.join(" / ")}]`;
}

/** One event as a terminal line. */
export function formatEvent(e: TetherEvent): string {
  const d = e.data as Record<string, unknown>;
  const head = `${time(e.ts)} #${e.seq}`;
  switch (e.type) {
    case "output":
      return `${head} ${String(d.text)}`;
    case "state":
      return `${head} ── ${String(d.from ?? "new")} → ${String(d.to)}${d.reason ? ` (${String(d.reason)})` : ""}`;
    case "status":
      return `${head} ── agent ${String(d.status)}${d.message ? `: ${String(d.message)}` : ""}`;
    case "approval_request":
      return `${head} ⚠ approval needed: ${String(d.title)} [${(d.options as string[]).join(" / ")}]  → tether approve ${String(d.id)} <option>`;
    case "approval_resolved":
      return `${head} ✓ ${String(d.request_id)}: ${String(d.option)} by ${String(d.decided_by)}`;
    case "human_input":
      return `${head} > ${String(d.text)}  (${String(d.sender ?? "human")})`;
    case "interrupt":
      return `${head} ■ interrupt requested by ${String(d.by ?? "human")}`;
    default:
      return `${head} ${e.type} ${JSON.stringify(d)}`;
  }
}
