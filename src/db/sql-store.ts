import { type Kysely, Migrator } from "kysely";
import type { LoadedState, Store, WriteBatch } from "../core/store.js";
import { migrationProvider } from "./migrations/index.js";
import * as approvals from "./repos/approvals.js";
import * as events from "./repos/events.js";
import * as inputs from "./repos/inputs.js";
import * as sessions from "./repos/sessions.js";
import type { Database } from "./schema.js";

/** The Store on any Kysely dialect: SQLite today, PostgreSQL with the same repos later. */
export class SqlStore implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly closeDb: () => Promise<void>,
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
      throw new Error(`database migration ${failed} failed`, { cause: error });
    }
  }

  async load(): Promise<LoadedState> {
    return {
      sessions: await sessions.loadSessions(this.db),
      pendingApprovals: await approvals.listApprovals(this.db, { status: "pending" }),
    };
  }

  commit(batch: WriteBatch): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      await sessions.upsertSessions(trx, batch.sessions.values());
      await events.insertEvents(trx, batch.events);
      await approvals.upsertApprovals(trx, batch.approvals.values());
      await inputs.insertInputs(trx, batch.inputs);
      await sessions.deleteSessions(trx, [...batch.deletedSessions]);
    });
  }

  readEvents(sessionId: string, afterSeq: number, limit: number) {
    return events.readEvents(this.db, sessionId, afterSeq, limit);
  }

  readInputs(sessionId: string, afterSeq: number, limit: number) {
    return inputs.readInputs(this.db, sessionId, afterSeq, limit);
  }

  getApproval(id: string) {
    return approvals.getApproval(this.db, id);
  }

  listApprovals(query: {
    status: "pending" | "resolved" | "expired" | "cancelled";
    sessionId?: string;
  }) {
    return approvals.listApprovals(this.db, query);
  }

  close(): Promise<void> {
    return this.closeDb();
  }
}
