import { type Kysely, Migrator } from "kysely";
import type {
  ApprovalQuery,
  BridgeUserStore,
  LoadedState,
  PushSubscriptionStore,
  Store,
  WriteBatch,
} from "../core/store.js";
import { migrationProvider } from "./migrations/index.js";
import * as queue from "./repos/agent-queue.js";
import * as approvals from "./repos/approvals.js";
import * as bridgeUsers from "./repos/bridge-users.js";
import * as cursors from "./repos/cursors.js";
import * as events from "./repos/events.js";
import * as push from "./repos/push-subscriptions.js";
import * as rules from "./repos/rules.js";
import * as sessions from "./repos/sessions.js";
import { sqliteBatchWriter } from "./repos/sqlite-batch.js";
import * as threads from "./repos/threads.js";
import type { Database } from "./schema.js";
import { sqliteHandleOf } from "./sqlite-handle.js";

export interface SqlStoreOptions {
  /** "sqlite" (the default when `db` came from `openSqlite`) commits each batch synchronously
   * through statements prepared once; "portable" goes through Kysely, on any dialect. */
  commitPath?: "sqlite" | "portable";
}

/** The Store on any Kysely dialect: SQLite today, PostgreSQL with the same repos later. */
export class SqlStore implements Store {
  private readonly raw;
  private writeBatch: ((batch: WriteBatch) => void) | undefined;
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly bridgeUsers: BridgeUserStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly closeDb: () => Promise<void>,
    options: SqlStoreOptions = {},
  ) {
    this.raw = options.commitPath === "portable" ? undefined : sqliteHandleOf(db);
    if (options.commitPath === "sqlite" && !this.raw) {
      throw new Error("the sqlite commit path needs a database opened by openSqlite");
    }
    this.pushSubscriptions = {
      upsert: (subscription) => push.upsertPushSubscription(db, subscription),
      list: () => push.listPushSubscriptions(db),
      delete: (endpoint) => push.deletePushSubscription(db, endpoint),
    };
    this.bridgeUsers = {
      add: (user) => bridgeUsers.upsertBridgeUser(db, user),
      list: (platform) => bridgeUsers.listBridgeUsers(db, platform),
      remove: (platform, userId) => bridgeUsers.deleteBridgeUser(db, platform, userId),
    };
  }

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
      rules: await rules.listRules(this.db),
    };
  }

  commit(batch: WriteBatch): Promise<void> {
    if (!this.raw) return this.commitPortable(batch);
    try {
      // Prepared on first use: the tables exist only once migrations have run.
      this.writeBatch ??= sqliteBatchWriter(this.raw);
      this.writeBatch(batch);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private commitPortable(batch: WriteBatch): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      await sessions.upsertSessions(trx, batch.sessions.values());
      await events.insertEvents(trx, batch.events);
      await approvals.upsertApprovals(trx, batch.approvals.values());
      await queue.insertQueued(trx, batch.queued);
      await rules.insertRules(trx, batch.rules);
      await cursors.upsertCursors(trx, batch.cursors.values());
      await threads.upsertThreads(trx, batch.threads.values());
      const deleted = [...batch.deletedSessions];
      await threads.deleteThreadsOf(trx, deleted);
      await cursors.deleteCursorsOf(trx, deleted);
      await rules.deleteRulesOf(trx, deleted);
      await sessions.deleteSessions(trx, deleted);
    });
  }

  readEvents(sessionId: string, afterSeq: number, limit: number, maxChars?: number) {
    return events.readEvents(this.db, sessionId, afterSeq, limit, maxChars);
  }

  readQueue(sessionId: string, afterSeq: number, limit: number) {
    return queue.readQueue(this.db, sessionId, afterSeq, limit);
  }

  getApproval(id: string) {
    return approvals.getApproval(this.db, id);
  }

  listApprovals(query: ApprovalQuery) {
    return approvals.listApprovals(this.db, query);
  }

  listRules(sessionId: string) {
    return rules.listRules(this.db, sessionId);
  }

  readCursors(consumer: string) {
    return cursors.readCursors(this.db, consumer);
  }

  readThreads(platform: string) {
    return threads.readThreads(this.db, platform);
  }

  close(): Promise<void> {
    return this.closeDb();
  }
}
