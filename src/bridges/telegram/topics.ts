// One forum topic per session: made the first time the session needs it (its first event, or
// `POST /external/sessions` asking for it), named after the session and renamed with it, with a
// pinned first message saying what runs there. Asked for twice at once, it is made once: every
// caller shares the one attempt. The topic is saved before its first message is sent, so a
// failure after it never makes a second topic; the message is sent on the next attempt.
import type { Session } from "../../shared/schemas.js";
import type { BridgeThreads, Thread } from "../types.js";
import { renderHeader, topicName } from "./render.js";
import {
  type Api,
  badRequest,
  HTML,
  isNotModified,
  isRefusal,
  TOPIC_GONE,
} from "./telegram-api.js";

/** What a topic's thread row keeps (Thread.data). */
export interface TopicData {
  /** The first message, and whether it is pinned yet. */
  header?: number;
  pinned?: boolean;
  /** Approvals shown in the topic and not settled yet: approval id → message id. */
  approvals?: Record<string, number>;
}

export class Topics {
  private readonly opening = new Map<string, Promise<Thread>>();
  /** Topic (message_thread_id) → session id, for the messages people write in a topic. */
  private readonly sessionByTopic = new Map<number, string>();

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    private readonly threads: BridgeThreads,
    private readonly sessionLink: (sessionId: string) => string | undefined,
  ) {}

  async load(): Promise<void> {
    for (const thread of await this.threads.all()) {
      this.sessionByTopic.set(Number(thread.thread_id), thread.session_id);
    }
  }

  sessionOf(topicId: number): string | undefined {
    return this.sessionByTopic.get(topicId);
  }

  /** The session's topic, made (with its first message) if it has none yet. */
  ensure(session: Session): Promise<Thread> {
    let attempt = this.opening.get(session.id);
    if (!attempt) {
      attempt = this.open(session).finally(() => this.opening.delete(session.id));
      this.opening.set(session.id, attempt);
    }
    return attempt;
  }

  /** The session's topic is gone (deleted in Telegram): a new one takes its place, so that its
   * events have somewhere to go again. */
  async replace(session: Session, lost: Thread): Promise<Thread> {
    this.sessionByTopic.delete(Number(lost.thread_id));
    const topic = await this.api.createForumTopic(this.chatId, topicName(session.name));
    this.sessionByTopic.set(topic.message_thread_id, session.id);
    await this.threads.save(session.id, String(topic.message_thread_id), {});
    return this.ensure(session);
  }

  async rename(thread: Thread, name: string): Promise<void> {
    try {
      await this.api.editForumTopic(this.chatId, Number(thread.thread_id), {
        name: topicName(name),
      });
    } catch (error) {
      // Not renamed (no right to manage topics, say): the name is only a label.
      if (
        !isNotModified(error) &&
        !(isRefusal(error) && !TOPIC_GONE.test(badRequest(error) ?? ""))
      ) {
        throw error;
      }
    }
  }

  /** Updates what the thread row keeps. */
  async saveData(thread: Thread, data: TopicData): Promise<Thread> {
    return this.threads.save(thread.session_id, thread.thread_id, { ...data });
  }

  private async open(session: Session): Promise<Thread> {
    let thread = await this.threads.of(session.id);
    if (!thread) {
      const topic = await this.api.createForumTopic(this.chatId, topicName(session.name));
      thread = await this.threads.save(session.id, String(topic.message_thread_id), {});
      this.sessionByTopic.set(topic.message_thread_id, session.id);
    }
    let data = thread.data as TopicData;
    if (data.header === undefined) {
      const header = await this.api.sendMessage(
        this.chatId,
        renderHeader(session, this.sessionLink(session.id)),
        {
          message_thread_id: Number(thread.thread_id),
          ...HTML,
        },
      );
      data = { ...data, header: header.message_id };
      thread = await this.saveData(thread, data);
    }
    if (!data.pinned && data.header !== undefined) {
      try {
        await this.api.pinChatMessage(this.chatId, data.header, { disable_notification: true });
      } catch (error) {
        // The bot may not pin here (no right to): the header stays unpinned, the topic works.
        if (!isRefusal(error)) throw error;
      }
      thread = await this.saveData(thread, { ...data, pinned: true });
    }
    return thread;
  }
}
