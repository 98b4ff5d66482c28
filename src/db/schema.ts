// Row types of the tables, as Kysely sees them. JSON columns hold text so the same repos run on
// SQLite and PostgreSQL.
export interface SessionsTable {
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
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  created_at: string;
  updated_at: string;
}

export interface EventsTable {
  session_id: string;
  seq: number;
  ts: string;
  type: string;
  data: string;
}

export interface ApprovalsTable {
  id: string;
  session_id: string;
  seq: number;
  title: string;
  description: string;
  options: string;
  tool_name: string | null;
  tool_input: string | null;
  status: string;
  decision: string | null;
  decided_by: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface InputsTable {
  session_id: string;
  seq: number;
  type: string;
  data: string;
}

export interface PushSubscriptionsTable {
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string | null;
  user_agent: string | null;
  created_at: string;
}

export interface RulesTable {
  id: string;
  session_id: string;
  tool: string;
  decision: string;
  created_at: string;
  created_by: string;
  source_approval_id: string;
}

export interface CursorsTable {
  consumer: string;
  session_id: string;
  seq: number;
}

export interface Database {
  sessions: SessionsTable;
  events: EventsTable;
  approvals: ApprovalsTable;
  inputs: InputsTable;
  push_subscriptions: PushSubscriptionsTable;
  rules: RulesTable;
  cursors: CursorsTable;
}
