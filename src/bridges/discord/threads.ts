// A session's thread in the channel: a starter message with its name, agent, directory, state
// and link (edited as they change), and a public thread started from it, which holds everything
// else. The thread's id is the starter message's (Discord's rule), saved before anything is
// posted in it, so a failure never makes a second one for the session.
import type { Session } from "../../shared/schemas.js";
import type { ApprovalMessagesData } from "../approval-messages.js";
import type { BridgeThreads, Thread } from "../types.js";
import { type API, discordCode } from "./discord-api.js";
import { renderStarter, threadName } from "./render.js";

/** What the bridge keeps with a session's thread: the approval messages it may still edit. */
export interface ThreadData extends ApprovalMessagesData {
  /** The starter is posted but its thread not made yet (a failure between the two). */
  starterOnly?: boolean;
}

/** Unknown Channel / Unknown Message: someone deleted the thread or its starter. */
export const THREAD_GONE = new Set([10003, 10008]);

/** A week: the longest a public thread stays open without activity (then it is archived, and
 * posting in it unarchives it). */
const AUTO_ARCHIVE_MINUTES = 10080;

export class DiscordThreads {
  /** Thread id → session id, for the replies people write. */
  private readonly bySession = new Map<string, string>();
  private readonly opening = new Map<string, Promise<Thread>>();

  constructor(
    private readonly api: API,
    private readonly channel: string,
    private readonly threads: BridgeThreads,
    private readonly link: (sessionId: string) => string | undefined,
  ) {}

  async load(): Promise<void> {
    for (const thread of await this.threads.all()) {
      this.bySession.set(thread.thread_id, thread.session_id);
    }
  }

  sessionOf(threadId: string): string | undefined {
    return this.bySession.get(threadId);
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

  /** The thread or its starter was deleted: a new one, which the session's messages go in. */
  async replace(session: Session, lost: Thread): Promise<Thread> {
    this.bySession.delete(lost.thread_id);
    return this.open(session);
  }

  /** The starter shows the session as it is now, and the thread its name. */
  async refresh(session: Session, thread: Thread): Promise<void> {
    try {
      await this.api.channels.editMessage(
        this.channel,
        thread.thread_id,
        renderStarter(session, this.link(session.id)),
      );
    } catch (error) {
      // Deleted by someone: the thread may still be there; the next post finds out.
      if (!THREAD_GONE.has(discordCode(error) ?? 0)) throw error;
    }
  }

  async rename(session: Session, thread: Thread): Promise<void> {
    await this.api.channels.edit(thread.thread_id, { name: threadName(session.name) });
    await this.refresh(session, thread);
  }

  async saveData(thread: Thread, data: ThreadData): Promise<Thread> {
    return this.threads.save(thread.session_id, thread.thread_id, { ...data });
  }

  private async findOrOpen(session: Session): Promise<Thread> {
    const known = await this.threads.of(session.id);
    if (!known) return this.open(session);
    return (known.data as ThreadData).starterOnly
      ? this.startThread(session, known.thread_id)
      : known;
  }

  /** The starter first, saved at once, then its thread: a failure in between makes the thread
   * on the same starter next time, never a second starter. */
  private async open(session: Session): Promise<Thread> {
    const starter = await this.api.channels.createMessage(
      this.channel,
      renderStarter(session, this.link(session.id)),
    );
    await this.threads.save(session.id, starter.id, { starterOnly: true } satisfies ThreadData);
    return this.startThread(session, starter.id);
  }

  private async startThread(session: Session, starterId: string): Promise<Thread> {
    try {
      await this.api.channels.createThread(
        this.channel,
        { name: threadName(session.name), auto_archive_duration: AUTO_ARCHIVE_MINUTES },
        starterId,
      );
    } catch (error) {
      // 160004: a thread was made on this message already (the answer to an earlier try was lost).
      if (discordCode(error) !== 160004) throw error;
    }
    const thread = await this.threads.save(session.id, starterId, {});
    this.bySession.set(starterId, session.id);
    return thread;
  }
}
