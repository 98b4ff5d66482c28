import type { Kysely } from "kysely";
import { approvalOf, approvalRow } from "../../core/rows.js";
import type { ApprovalQuery } from "../../core/store.js";
import type { Approval } from "../../shared/schemas.js";
import type { Database } from "../schema.js";

/** The row for an approval; shared by every write path (and the in-memory store). */
export { approvalRow };

export async function upsertApprovals(db: Kysely<Database>, approvals: Iterable<Approval>) {
  for (const a of approvals) {
    const row = approvalRow(a);
    await db
      .insertInto("approvals")
      .values(row)
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({
          status: row.status,
          decision: row.decision,
          decided_by: row.decided_by,
          resolved_at: row.resolved_at,
        }),
      )
      .execute();
  }
}

export async function getApproval(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom("approvals").selectAll().where("id", "=", id).executeTakeFirst();
  return row && approvalOf(row);
}

/** Approvals newest first (created_at, then id, descending); every one of them unless `limit`
 * is given: start-up loads all pending approvals through this, however many there are. */
export async function listApprovals(
  db: Kysely<Database>,
  query: ApprovalQuery,
): Promise<Approval[]> {
  let q = db.selectFrom("approvals").selectAll().where("status", "=", query.status);
  if (query.sessionId !== undefined) q = q.where("session_id", "=", query.sessionId);
  const before = query.before;
  if (before !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", before.created_at),
        eb.and([eb("created_at", "=", before.created_at), eb("id", "<", before.id)]),
      ]),
    );
  }
  q = q.orderBy("created_at", "desc").orderBy("id", "desc");
  if (query.limit !== undefined) q = q.limit(query.limit);
  return (await q.execute()).map(approvalOf);
}
