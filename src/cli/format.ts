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
  const head = `${clock(e.ts)} #${e.seq}`;
  switch (e.type) {
    case "output":
      return `${head} ${e.data.text}`;
    case "state": {
      const { from, to, reason } = e.data;
      return `${head} ── ${from ?? "new"} → ${to}${reason ? ` (${reason})` : ""}`;
    }
    case "status":
      return `${head} ── agent ${e.data.status}${e.data.message ? `: ${e.data.message}` : ""}`;
    case "approval_request":
      return `${head} ⚠ approval needed: ${e.data.title} [${e.data.options.join(" / ")}]  → tether approve ${e.data.id} <option>`;
    case "approval_resolved":
      return e.data.status === "cancelled"
        ? `${head} ✗ ${e.data.request_id} withdrawn: ${e.data.reason}`
        : `${head} ✓ ${e.data.request_id}: ${e.data.option} by ${e.data.decided_by}`;
    case "human_input":
      return `${head} > ${e.data.text}  (${e.data.sender})`;
    case "interrupt":
      return `${head} ■ interrupt requested by ${e.data.by}`;
    default:
      return `${head} ${e.type} ${JSON.stringify(e.data)}`;
  }
}
