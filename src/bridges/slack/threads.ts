// A session's thread in the channel: a parent message with its name, agent, directory, state
// and link (edited as they change), whose replies hold everything else. The thread is saved
// before anything is posted in it, so a failure never makes a second one for the session.
import type { Session } from "../../shared/schemas.js";
import type { ApprovalMessagesData } from "../approval-messages.js";
import type { BridgeThreads, Thread } from "../types.js";
import { renderParent } from "./render.js";
import { platformError, type WebClient } from "./slack-api.js";

/** What the bridge keeps with a session's thread: the approval messages it may still edit. */
export type ThreadData = ApprovalMessagesData;

/** The parent message is gone (someone deleted it): a reply under it is refused with
 * invalid_thread_ts or thread_not_found, an edit of it with message_not_found. */
export const PARENT_GONE =
  /^(message_not_found|thread_not_found|invalid_thread_ts|cant_update_message)$/;

export class SlackThreads {
  /** Parent ts → session id, for the replies people write. */
  private readonly bySession = new Map<string, string>();
  private readonly opening = new Map<string, Promise<Thread>>();

  constructor(
    private readonly client: WebClient,
    private readonly channel: string,
    private readonly threads: BridgeThreads,
    private readonly link: (sessionId: string) => string | undefined,
  ) {}

  async load(): Promise<void> {
    for (const thread of await this.threads.all()) {
      this.bySession.set(thread.thread_id, thread.session_id);
    }
  }

  sessionOf(threadTs: string): string | undefined {
    return this.bySession.get(threadTs);
  }

  /** The session's thread, opened now if it has none; concurrent callers share one attempt. */
  ensure(session: Session): Promise<Thread> {
    let attempt = this.opening.get(session.id);
    if (!attempt) {
      attempt = this.findOrOpen(session).finally(() => this.opening.delete(session.id));
      this.opening.set(session.id, attempt);
    }
    return attempt;
  }

  /** The parent message was deleted: a new one, which the session's messages go under. */
  async replace(session: Session, lost: Thread): Promise<Thread> {
    this.bySession.delete(lost.thread_id);
    return this.open(session);
  }

  /** The parent shows the session as it is now (its state or name changed). */
  async refresh(session: Session, thread: Thread): Promise<void> {
    const parent = renderParent(session, this.link(session.id));
    try {
      await this.client.chat.update({
        channel: this.channel,
        ts: thread.thread_id,
        text: parent.text,
        blocks: parent.blocks,
      });
    } catch (error) {
      // Deleted by someone: its thread still holds the session; the next reply notices.
      if (PARENT_GONE.test(platformError(error) ?? "")) return;
      throw error;
    }
  }

  async saveData(thread: Thread, data: ThreadData): Promise<Thread> {
    return this.threads.save(thread.session_id, thread.thread_id, { ...data });
  }

  private async findOrOpen(session: Session): Promise<Thread> {
    return (await this.threads.of(session.id)) ?? this.open(session);
  }

  private async open(session: Session): Promise<Thread> {
    const parent = renderParent(session, this.link(session.id));
    const posted = await this.client.chat.postMessage({
      channel: this.channel,
      text: parent.text,
      blocks: parent.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new Error("Slack answered chat.postMessage without a ts");
    const thread = await this.threads.save(session.id, posted.ts, {});
    this.bySession.set(posted.ts, session.id);
    return thread;
  }
}
