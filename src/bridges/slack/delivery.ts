// A session's events as messages in its thread, one event at a time through the bridge's durable
// cursor (core/follow-sessions): an event's delivery resolves once Slack has it, and only then
// does the cursor pass it. Outputs already committed are read ahead and sent together
// (read-ahead.ts); while the agent keeps writing, the newest output message grows by edits (at
// most one a second) while it fits one message (50 blocks, 40,000 characters). Anything else the thread shows ends that
// message, so the order stays as it happened. A delivery cut by a crash is sent again after the
// restart: that one message may appear twice, nothing more (Slack has no idempotency key).
import { setTimeout as sleep } from "node:timers/promises";
import type { StoredEvent, StoredEventOf } from "../../core/store.js";
import type { Approval, Session } from "../../shared/schemas.js";
import { postApproval, settleApproval } from "../approval-messages.js";
import { outputsAfter } from "../read-ahead.js";
import type { BridgeEngine, Thread } from "../types.js";
import {
  appendOutputs,
  type RenderedOutput,
  renderApproval,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderSettled,
  renderState,
  type SlackMessage,
} from "./render.js";
import { platformError, type WebClient } from "./slack-api.js";
import type { SlackThreads } from "./threads.js";

/** A growing output message is edited at most this often (chat.update is rate-limited per
 * channel); what comes meanwhile joins the next edit. */
const EDIT_EVERY_MS = 1000;
/** An edit of a message that is not there any more. */
const MESSAGE_GONE = /^(message_not_found|cant_update_message|edit_window_closed)$/;

export interface DeliveryOptions {
  client: WebClient;
  channel: string;
  engine: Pick<BridgeEngine, "getSessionById" | "readEvents">;
  threads: SlackThreads;
  wantsThread(session: Session): boolean;
  /** An approval as it is now (settled, when its approval_resolved is delivered). */
  approval(id: string): Promise<Approval>;
  /** A label (`slack:U1`, `web:phone`) said for a person, as plain text. */
  who(label: string): string;
}

/** The newest output message of a thread, while it may still grow. */
interface OpenOutput {
  ts: string;
  /** The thread it is in: a thread opened again (its parent was deleted) starts a new one. */
  threadTs: string;
  message: SlackMessage;
  /** When it was last sent or edited (ms). */
  at: number;
}

export class Delivery {
  private readonly openOutput = new Map<string, OpenOutput>();

  constructor(private readonly o: DeliveryOptions) {}

  /** Shows one event in its session's thread; outputs sent along with an output are said with
   * `alsoThrough` (see followSessions). */
  async deliver(event: StoredEvent, alsoThrough: (seq: number) => void): Promise<void> {
    const session = this.o.engine.getSessionById(event.session_id);
    if (!this.o.wantsThread(session)) return;
    const thread = await this.o.threads.ensure(session);
    switch (event.type) {
      case "output":
        return alsoThrough(await this.output(event, thread));
      case "approval_request":
        return this.ask(event.data, thread);
      case "approval_resolved":
        return this.settle(event, thread);
      case "human_input":
        // What someone wrote in the thread is there already.
        if (event.data.sender.startsWith("slack:")) return this.endOutput(session.id);
        return this.say(thread, renderHumanInput(event.data.text, this.o.who(event.data.sender)));
      case "interrupt":
        return this.say(thread, renderInterrupt(this.o.who(event.data.by)));
      case "state": {
        await this.o.threads.refresh(session, thread);
        const line = renderState(event.data);
        return line === undefined ? undefined : this.say(thread, line);
      }
      case "renamed":
        return this.o.threads.refresh(session, thread);
      case "status":
      case "usage":
        return;
    }
  }

  // ---------- output ----------

  private async output(event: StoredEventOf<"output">, thread: Thread): Promise<number> {
    const sessionId = event.session_id;
    const first = renderOutput(event.data);
    if (first.file) {
      this.endOutput(sessionId);
      await this.post(thread, { text: first.text, blocks: first.blocks });
      await this.o.client.filesUploadV2({
        channel_id: this.o.channel,
        thread_ts: thread.thread_id,
        file: Buffer.from(first.file.text, "utf8"),
        filename: first.file.name,
      });
      return event.seq;
    }
    // The newest output message grows, at most one edit a second: wait first, then read ahead,
    // so the edit carries everything committed meanwhile.
    const open = this.openOutput.get(sessionId);
    // Only a message this output still fits in grows; a full one is not waited for.
    const grows =
      open !== undefined &&
      open.threadTs === thread.thread_id &&
      appendOutputs(open.message, [first]).count > 0;
    if (grows) {
      await sleep(Math.max(0, open.at + EDIT_EVERY_MS - Date.now()), undefined, { ref: false });
    }
    // This output and the ones committed after it (up to one with a file), as many as fit.
    const rendered: RenderedOutput[] = [first];
    const seqs = [event.seq];
    for (const next of await outputsAfter(this.o.engine, event)) {
      const output = renderOutput(next.data);
      if (output.file) break;
      rendered.push(output);
      seqs.push(next.seq);
    }
    if (grows) {
      const grown = appendOutputs(open.message, rendered);
      if (grown.count > 0 && (await this.grow(open, grown.message))) {
        this.openOutput.set(sessionId, { ...open, message: grown.message, at: Date.now() });
        return seqs[grown.count - 1]!;
      }
    }
    const batch = appendOutputs(undefined, rendered);
    const ts = await this.post(thread, batch.message);
    this.openOutput.set(sessionId, {
      ts,
      threadTs: thread.thread_id,
      message: batch.message,
      at: Date.now(),
    });
    return seqs[batch.count - 1]!;
  }

  /** Edits the open output message; false when it is gone, and the outputs go in a new one. */
  private async grow(open: OpenOutput, message: SlackMessage): Promise<boolean> {
    try {
      await this.o.client.chat.update({
        channel: this.o.channel,
        ts: open.ts,
        text: message.text,
        blocks: message.blocks,
      });
      return true;
    } catch (error) {
      if (MESSAGE_GONE.test(platformError(error) ?? "")) return false;
      throw error;
    }
  }

  private endOutput(sessionId: string): void {
    this.openOutput.delete(sessionId);
  }

  private async say(thread: Thread, message: SlackMessage): Promise<void> {
    this.endOutput(thread.session_id);
    await this.post(thread, message);
  }

  /** Posts in the thread; resolves with the message's ts. */
  private async post(thread: Thread, message: SlackMessage): Promise<string> {
    const posted = await this.o.client.chat.postMessage({
      channel: this.o.channel,
      thread_ts: thread.thread_id,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new Error("Slack answered chat.postMessage without a ts");
    return posted.ts;
  }

  // ---------- approvals ----------

  private async ask(approval: Approval, thread: Thread): Promise<void> {
    this.endOutput(thread.session_id);
    await postApproval(thread, approval, {
      post: () => this.post(thread, renderApproval(approval)),
      save: (t, data) => this.o.threads.saveData(t, data),
    });
  }

  private async settle(event: StoredEventOf<"approval_resolved">, thread: Thread): Promise<void> {
    await settleApproval(thread, event.data, {
      approval: (id) => this.o.approval(id),
      who: (label) => this.o.who(label),
      save: (t, data) => this.o.threads.saveData(t, data),
      edit: async (ts, approval, who, reason) => {
        const message = renderSettled(approval, who, reason);
        try {
          await this.o.client.chat.update({
            channel: this.o.channel,
            ts,
            text: message.text,
            blocks: message.blocks,
          });
        } catch (error) {
          if (!MESSAGE_GONE.test(platformError(error) ?? "")) throw error;
        }
      },
    });
  }
}
