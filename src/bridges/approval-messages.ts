// Where a thread's approval messages are, kept with the thread (in its data), so an approval
// answered anywhere, even after a restart, can have its message say how it ended. The same on
// every platform that threads: post once, settle once, then forget.
import type { Approval, EventData } from "../shared/schemas.js";
import type { Thread } from "./types.js";

export interface ApprovalMessagesData {
  /** Approval id → its message's id on the platform. */
  approvals?: Record<string, string>;
}

interface Bookkeeping {
  /** Saves the thread's data (what the platform's thread keeps besides). */
  save(thread: Thread, data: ApprovalMessagesData): Promise<unknown>;
}

/** Posts the approval's message unless it needs none (a session rule answered it in its own
 * commit) or was posted already (delivered again after a crash, before the cursor moved on),
 * and records where it is. */
export async function postApproval(
  thread: Thread,
  approval: Approval,
  o: Bookkeeping & { post(): Promise<string> },
): Promise<void> {
  if (approval.status !== "pending") return;
  const data = thread.data as ApprovalMessagesData;
  if (data.approvals?.[approval.id] !== undefined) return;
  const id = await o.post();
  await o.save(thread, { ...data, approvals: { ...data.approvals, [approval.id]: id } });
}

/** An approval answered anywhere (here, the web app, another chat, a rule) or withdrawn: its
 * message is edited to say so (`edit` is given who answered, or why it was withdrawn), and the
 * thread forgets it. */
export async function settleApproval(
  thread: Thread,
  resolved: EventData<"approval_resolved">,
  o: Bookkeeping & {
    approval(id: string): Promise<Approval>;
    who(label: string): string;
    edit(messageId: string, approval: Approval, who: string, reason?: string): Promise<void>;
  },
): Promise<void> {
  const data = thread.data as ApprovalMessagesData;
  const id = resolved.request_id;
  const messageId = data.approvals?.[id];
  if (messageId === undefined) return;
  const approval = await o.approval(id);
  if (resolved.status === "resolved") {
    await o.edit(messageId, approval, o.who(resolved.decided_by));
  } else {
    await o.edit(messageId, approval, "", resolved.reason);
  }
  const { [id]: _settled, ...rest } = data.approvals ?? {};
  await o.save(thread, { ...data, approvals: rest });
}
