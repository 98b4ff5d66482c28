// Row types of the tables, as Kysely sees them. JSON columns hold text so the same repos run on
// SQLite and PostgreSQL.
import type { ApprovalRow, SessionRow, ThreadRow } from "../core/rows.js";
import type { BridgeUserRecord, PushSubscriptionRecord } from "../core/store.js";

/** The columns of a session, shared with the in-memory store (core/rows.ts). */
export type SessionsTable = SessionRow;

export interface EventsTable {
  session_id: string;
  seq: number;
  ts: string;
  type: string;
  data: string;
}

/** The columns of an approval, shared with the in-memory store (core/rows.ts). */
export type ApprovalsTable = ApprovalRow;

export interface InputsTable {
  session_id: string;
  seq: number;
  type: string;
  data: string;
}

/** A browser's Web Push subscription, as the Store has it (core/store.ts). */
export type PushSubscriptionsTable = PushSubscriptionRecord;

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

/** A session's thread on a chat platform, as the Store has it (core/rows.ts). */
export type ThreadsTable = ThreadRow;

/** A user paired with a chat bridge, as the Store has it (core/store.ts). */
export type BridgeUsersTable = BridgeUserRecord;

export interface Database {
  sessions: SessionsTable;
  events: EventsTable;
  approvals: ApprovalsTable;
  inputs: InputsTable;
  push_subscriptions: PushSubscriptionsTable;
  rules: RulesTable;
  cursors: CursorsTable;
  threads: ThreadsTable;
  bridge_users: BridgeUsersTable;
}
