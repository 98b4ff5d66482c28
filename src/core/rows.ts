// How a session and an approval are stored: the columns every store writes (the SQL tables in
// db/, the in-memory store's rows), with JSON values as text, and how a row comes back. One
// definition, so the stores cannot drift apart.
import {
  AgentMetadata,
  type Approval,
  type Session,
  SessionState,
  TerminalProcess,
} from "../shared/schemas.js";

export interface SessionRow {
  id: string;
  name: string;
  kind: string;
  agent: string;
  directory: string | null;
  platform: string | null;
  state: string;
  error: string | null;
  agent_cursor: number;
  agent_session_id: string | null;
  /** JSON of the session's TerminalProcess, for sessions started in a terminal. */
  terminal: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  created_at: string;
  updated_at: string;
}

export interface ApprovalRow
  extends Omit<Approval, "options" | "risky_options" | "tool_input" | "status"> {
  options: string;
  /** JSON, like options; "[]" on rows written before risky options existed. */
  risky_options: string;
  tool_input: string | null;
  status: string;
}

/** A session's row holds no last_seq: that is its newest event's. */
export function sessionRow(s: Session): SessionRow {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    agent: JSON.stringify(s.agent),
    directory: s.directory,
    platform: s.platform,
    state: s.state,
    error: s.error,
    agent_cursor: s.agent_cursor,
    agent_session_id: s.agent_session_id ?? null,
    terminal: s.terminal ? JSON.stringify(s.terminal) : null,
    input_tokens: s.usage.input_tokens,
    output_tokens: s.usage.output_tokens,
    cost_usd: s.usage.cost_usd,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

/** The session as loaded: last_seq and updated_at are taken from its newest event, if any.
 * Numbers are read with Number() as some drivers hand back integers as strings or bigints. */
export function sessionOf(r: SessionRow, newest: { seq: number; ts: string } | undefined): Session {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    agent: AgentMetadata.parse(JSON.parse(r.agent)),
    directory: r.directory,
    platform: r.platform,
    state: SessionState.parse(r.state),
    error: r.error,
    last_seq: newest?.seq ?? 0,
    agent_cursor: Number(r.agent_cursor),
    agent_session_id: r.agent_session_id ?? null,
    terminal: r.terminal ? TerminalProcess.parse(JSON.parse(r.terminal)) : null,
    usage: {
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: Number(r.cost_usd),
    },
    created_at: r.created_at,
    updated_at: newest && newest.ts > r.updated_at ? newest.ts : r.updated_at,
  };
}

export function approvalRow(a: Approval): ApprovalRow {
  return {
    id: a.id,
    session_id: a.session_id,
    seq: a.seq,
    title: a.title,
    description: a.description,
    options: JSON.stringify(a.options),
    risky_options: JSON.stringify(a.risky_options ?? []),
    tool_name: a.tool_name,
    tool_input: a.tool_input == null ? null : JSON.stringify(a.tool_input),
    status: a.status,
    decision: a.decision,
    decided_by: a.decided_by,
    created_at: a.created_at,
    resolved_at: a.resolved_at,
  };
}

export function approvalOf(r: ApprovalRow): Approval {
  return {
    ...r,
    seq: Number(r.seq),
    options: JSON.parse(r.options) as string[],
    risky_options: JSON.parse(r.risky_options) as string[],
    tool_input: r.tool_input == null ? null : (JSON.parse(r.tool_input) as unknown),
    // Written from Approval["status"] by every store.
    status: r.status as Approval["status"],
  };
}

/** A session's thread on a chat platform (a Telegram forum topic, a Slack thread), with what
 * its bridge keeps about it (e.g. the id of the pinned message). One per session and platform. */
export interface Thread {
  session_id: string;
  platform: string;
  thread_id: string;
  /** The bridge's own small state for this thread, as JSON-able values. */
  data: Record<string, unknown>;
  updated_at: string;
}

export interface ThreadRow extends Omit<Thread, "data"> {
  /** JSON text of an object. */
  data: string;
}

export function threadRow(t: Thread): ThreadRow {
  return {
    session_id: t.session_id,
    platform: t.platform,
    thread_id: t.thread_id,
    data: JSON.stringify(t.data),
    updated_at: t.updated_at,
  };
}

export function threadOf(r: ThreadRow): Thread {
  return {
    session_id: r.session_id,
    platform: r.platform,
    thread_id: r.thread_id,
    data: JSON.parse(r.data) as Record<string, unknown>,
    updated_at: r.updated_at,
  };
}
