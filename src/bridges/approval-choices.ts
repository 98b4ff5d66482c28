// What an approval offers and what its answer says, read the same for every chat; each bridge
// writes them in its own markup.
import type { Approval } from "../shared/schemas.js";

/** An option and what it means, when the agent said. */
export interface Choice {
  label: string;
  meaning?: string;
}

/** Claude's questions reach approvals as a title, options, and a description of
 * `label: description` lines: the options, each with what it means. Undefined for any other
 * approval. */
export function choicesOf(approval: Approval): Choice[] | undefined {
  if (approval.tool_name !== null || approval.options.length === 0) return undefined;
  const meant = new Map<string, string>();
  for (const line of approval.description.split("\n")) {
    const option = approval.options.find((o) => line.startsWith(`${o}:`));
    if (!option) return undefined;
    meant.set(option, line.slice(option.length + 1).trim());
  }
  return approval.options.map((label) => ({ label, meaning: meant.get(label) }));
}

const REJECTIONS = /^(deny|denied|reject|rejected|decline|declined|no|cancel|abort|stop)\b/i;

/** Whether a decision turns the request down (Deny, Reject, No, Cancel, …). */
export function isRejection(decision: string): boolean {
  return REJECTIONS.test(decision);
}

const ALLOWS = /^(allow|approve|approved|yes|accept|continue|proceed|ok|okay|confirm|run)\b/i;

/** Whether a decision lets the request go ahead (Allow, Approve, Yes, Run, …). */
export function isAllowing(decision: string): boolean {
  return ALLOWS.test(decision);
}

const PLAIN_DECISION = /^(allow|approve|approved|yes|deny|denied|reject|rejected|no)$/i;

/** Whether a decision says no more than an approved / denied mark does (so it is not named). */
export function isPlainDecision(decision: string): boolean {
  return PLAIN_DECISION.test(decision);
}
