// Session rules. Written only in the engine's write batch (with the answer that made them) and
// deleted with their session; read whole at start-up.
import type { Kysely } from "kysely";
import type { Rule } from "../../core/rules.js";
import type { Database, RulesTable } from "../schema.js";

/** The row for a rule; shared by every write path so they store the same columns. */
export function ruleRow(r: Rule): RulesTable {
  return { ...r };
}

function fromRow(r: RulesTable): Rule {
  if (r.decision !== "allow") {
    // Only "allow" rules exist today; a row saying otherwise was not written by this version.
    throw new Error(`rule ${r.id} has an unknown decision "${r.decision}"`);
  }
  return { ...r, decision: r.decision };
}

export async function insertRules(db: Kysely<Database>, rules: readonly Rule[]) {
  if (rules.length === 0) return;
  await db.insertInto("rules").values(rules.map(ruleRow)).execute();
}

/** Rules oldest first (created_at, then id); a session's only when `sessionId` is given. */
export async function listRules(db: Kysely<Database>, sessionId?: string): Promise<Rule[]> {
  let q = db.selectFrom("rules").selectAll();
  if (sessionId !== undefined) q = q.where("session_id", "=", sessionId);
  const rows = await q.orderBy("created_at").orderBy("id").execute();
  return rows.map(fromRow);
}

export async function deleteRulesOf(db: Kysely<Database>, sessionIds: readonly string[]) {
  if (sessionIds.length === 0) return;
  await db.deleteFrom("rules").where("session_id", "in", sessionIds).execute();
}
