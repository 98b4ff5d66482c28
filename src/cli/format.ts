import type { Approval, Session, TetherEvent } from "../shared/schemas.js";

const two = (n: number) => String(n).padStart(2, "0");

/** `2026-12-01 14:03`, in local time: a list spans days, so a time alone says too little. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** `14:03:27`, local: for live lines, which are about now. */
function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "1 session", "2 sessions". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Rows under a header, each column as wide as its widest cell; the last is not padded. */
export function table(header: readonly string[], data: readonly (readonly string[])[]): string[] {
  // A name or title may hold line breaks or terminal escapes; a row stays one plain line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  const rows = data.map((r) => r.map((c) => c.replace(/[\u0000-\u001f\u007f]/g, " ")));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function sessionTable(sessions: readonly Session[]): string[] {
  return table(
    ["ID", "STATE", "KIND", "UPDATED", "NAME"],
    sessions.map((s) => [s.id, s.state, s.kind, dateTime(s.updated_at), s.name]),
  );
}

export function approvalTable(approvals: readonly Approval[]): string[] {
  return table(
    ["ID", "SESSION", "CREATED", "OPTIONS", "TITLE"],
    approvals.map((a) => [
      a.id,
      a.session_id,
      dateTime(a.created_at),
      a.options.join(" / "),
      a.title,
    ]),
  );
}

/** One event as a terminal line. */
export function formatEvent(e: TetherEvent): string {
  const d = e.data as Record<string, unknown>;
  const head = `${clock(e.ts)} #${e.seq}`;
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
