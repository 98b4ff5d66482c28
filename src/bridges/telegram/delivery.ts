// A session's events as messages in its topic, one event at a time through the bridge's durable
// cursor (core/follow-sessions): an event's delivery resolves once Telegram has it, and only then
// does the cursor pass it.
//
// Output is batched without ever holding an event back: delivering an output reads ahead the
// outputs already committed after it and sends them together, and tells the cursor it delivered
// them all (so they are not handed over again, and a restart resumes after them). While the
// agent keeps writing, the newest output message of the topic is edited to grow (up to
// Telegram's 4096 characters) instead of adding one message per line; a slow or rate-limited Telegram makes the next batch bigger, not later. Whatever
// else the topic shows (a question, a message, a state) ends that message, so the order stays
// as it happened. A delivery cut by a crash is sent again after the restart: that one message
// may appear twice, nothing more (Telegram has no idempotency key).
import { setTimeout as sleep } from "node:timers/promises";
import type { StoredEvent, StoredEventOf } from "../../core/store.js";
import type { Approval, Session } from "../../shared/schemas.js";
import { outputsAfter } from "../read-ahead.js";
import type { BridgeEngine, Thread } from "../types.js";
import {
  CAPTION_LIMIT,
  MESSAGE_LIMIT,
  renderApproval,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderSettled,
  renderState,
} from "./render.js";
import { type Api, badRequest, HTML, InputFile, isNotModified } from "./telegram-api.js";
import type { TopicData, Topics } from "./topics.js";
import type { Typing } from "./typing.js";

/** An edit of a message that is not there any more. */
const MESSAGE_GONE = /message to edit not found|message can't be edited/i;

/** A growing output message is edited at most this often: what comes meanwhile joins the next
 * edit, which keeps a chatty agent well inside Telegram's rate limits for a group. */
const EDIT_EVERY_MS = 1000;
/** Events older than this when delivered are history (a backlog after an outage): no typing. */
const FRESH_MS = 30_000;

export interface DeliveryOptions {
  api: Api;
  chatId: number;
  engine: Pick<BridgeEngine, "getSessionById" | "readEvents">;
  topics: Topics;
  typing: Typing;
  /** Whether this session gets a topic at all (TETHER_BRIDGE_ALL_SESSIONS). */
  wantsThread(session: Session): boolean;
  /** An approval as it is now (settled, when its approval_resolved is delivered). */
  approval(id: string): Promise<Approval>;
  /** A label (`telegram:1001`, `web:phone`) said for a person. */
  who(label: string): string;
}

/** The newest output message of a topic, while it may still grow. */
interface OpenOutput {
  messageId: number;
  html: string;
  /** When it was last sent or edited (ms). */
  at: number;
}

export class Delivery {
  private readonly openOutput = new Map<string, OpenOutput>();

  constructor(private readonly o: DeliveryOptions) {}

  /** Callback data of an approval's option button: an id and an index, well under 64 bytes. */
  static buttonData(approvalId: string, option: number): string {
    return `a:${approvalId}:${option}`;
  }

  /** Shows one event in its session's topic; outputs sent along with an output are said with
   * `alsoThrough` (see followSessions). */
  async deliver(event: StoredEvent, alsoThrough: (seq: number) => void): Promise<void> {
    const session = this.o.engine.getSessionById(event.session_id);
    if (!this.o.wantsThread(session)) return;
    const thread = await this.o.topics.ensure(session);
    const topic = Number(thread.thread_id);
    switch (event.type) {
      case "output":
        return alsoThrough(await this.output(event, topic));
      case "approval_request":
        this.o.typing.stop(session.id);
        return this.ask(event.data, thread);
      case "approval_resolved":
        return this.settle(event, thread);
      case "human_input":
        // What someone typed in the topic is there already.
        if (event.data.sender.startsWith("telegram:")) return this.endOutput(session.id);
        return this.say(
          session.id,
          topic,
          renderHumanInput(event.data.text, this.o.who(event.data.sender)),
        );
      case "interrupt":
        this.o.typing.stop(session.id);
        return this.say(session.id, topic, renderInterrupt(this.o.who(event.data.by)));
      case "state": {
        // Agents Tether runs say they work by their state; external ones by their status.
        if (event.data.to === "running" && isFresh(event)) this.o.typing.start(session.id, topic);
        else this.o.typing.stop(session.id);
        const line = renderState(event.data);
        return line === undefined ? undefined : this.say(session.id, topic, line);
      }
      case "status":
        if (event.data.status === "thinking" || event.data.status === "executing") {
          if (isFresh(event)) this.o.typing.start(session.id, topic);
        } else {
          this.o.typing.stop(session.id);
        }
        return;
      case "renamed":
        return this.o.topics.rename(thread, event.data.to);
      case "usage":
        return;
    }
  }

  // ---------- output ----------

  private async output(event: StoredEventOf<"output">, topic: number): Promise<number> {
    const sessionId = event.session_id;
    const first = renderOutput(event.data);
    if (first.file) {
      this.endOutput(sessionId);
      const caption = first.html.length <= CAPTION_LIMIT ? first.html : undefined;
      await this.o.api.sendDocument(
        this.o.chatId,
        new InputFile(Buffer.from(first.file.text, "utf8"), first.file.name),
        { message_thread_id: topic, ...(caption ? { caption, parse_mode: "HTML" } : {}) },
      );
      return event.seq;
    }
    const open = this.openOutput.get(sessionId);
    const grows = open !== undefined && fits(open.html, first.html);
    if (grows)
      await sleep(Math.max(0, open.at + EDIT_EVERY_MS - Date.now()), undefined, { ref: false });
    // The new blocks, as many as fit the message they go in.
    let blocks = first.html;
    let through = event.seq;
    const room = (html: string) => (grows ? `${open.html}\n\n${html}` : html);
    for (const next of await outputsAfter(this.o.engine, event)) {
      const block = renderOutput(next.data);
      if (block.file || !fits(room(blocks), block.html)) break;
      blocks = `${blocks}\n\n${block.html}`;
      through = next.seq;
    }
    if (grows && (await this.grow(open, room(blocks)))) {
      this.openOutput.set(sessionId, {
        messageId: open.messageId,
        html: room(blocks),
        at: Date.now(),
      });
    } else {
      const sent = await this.o.api.sendMessage(this.o.chatId, blocks, {
        ...HTML,
        message_thread_id: topic,
      });
      this.openOutput.set(sessionId, { messageId: sent.message_id, html: blocks, at: Date.now() });
    }
    return through;
  }

  /** Edits the open output message to `html`; false when it is gone (someone deleted it), and
   * the new blocks go in a message of their own. */
  private async grow(open: OpenOutput, html: string): Promise<boolean> {
    try {
      await this.o.api.editMessageText(this.o.chatId, open.messageId, html, HTML);
      return true;
    } catch (error) {
      // Sent before a lost answer, and now asked again: it is there.
      if (isNotModified(error)) return true;
      if (MESSAGE_GONE.test(badRequest(error) ?? "")) return false;
      throw error;
    }
  }

  private endOutput(sessionId: string): void {
    this.openOutput.delete(sessionId);
  }

  private async say(sessionId: string, topic: number, html: string): Promise<void> {
    this.endOutput(sessionId);
    await this.o.api.sendMessage(this.o.chatId, html, { ...HTML, message_thread_id: topic });
  }

  // ---------- approvals ----------

  private async ask(approval: Approval, thread: Thread): Promise<void> {
    this.endOutput(thread.session_id);
    // Answered by a session rule in its own commit: nobody is asked.
    if (approval.status !== "pending") return;
    const message = await this.o.api.sendMessage(this.o.chatId, renderApproval(approval), {
      ...HTML,
      message_thread_id: Number(thread.thread_id),
      reply_markup: {
        inline_keyboard: approval.options.map((option, i) => [
          { text: option, callback_data: Delivery.buttonData(approval.id, i) },
        ]),
      },
    });
    const data = thread.data as TopicData;
    await this.o.topics.saveData(thread, {
      ...data,
      approvals: { ...data.approvals, [approval.id]: message.message_id },
    });
  }

  /** An approval answered anywhere (here, the web app, the API, a rule) or withdrawn: its
   * message says so and loses its buttons. */
  private async settle(event: StoredEventOf<"approval_resolved">, thread: Thread): Promise<void> {
    const data = thread.data as TopicData;
    const id = event.data.request_id;
    const messageId = data.approvals?.[id];
    if (messageId === undefined) return;
    const approval = await this.o.approval(id);
    const html =
      event.data.status === "resolved"
        ? renderSettled(approval, this.o.who(event.data.decided_by))
        : renderSettled(approval, "", event.data.reason);
    try {
      await this.o.api.editMessageText(this.o.chatId, messageId, html, HTML);
    } catch (error) {
      if (!isNotModified(error)) throw error;
    }
    const { [id]: _settled, ...rest } = data.approvals ?? {};
    await this.o.topics.saveData(thread, { ...data, approvals: rest });
  }
}

function fits(base: string, html: string): boolean {
  return base.length + 2 + html.length <= MESSAGE_LIMIT;
}

function isFresh(event: StoredEvent): boolean {
  return Date.now() - Date.parse(event.ts) < FRESH_MS;
}
