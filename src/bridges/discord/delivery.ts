// A session's events as messages in its thread, one event at a time through the bridge's durable
// cursor (core/follow-sessions): an event's delivery resolves once Discord has it, and only then
// does the cursor pass it. Outputs already committed are read ahead and sent together
// (read-ahead.ts); while the agent keeps writing, the newest output message grows by edits (at
// most one a second) up to Discord's 2,000 characters. Anything else the thread shows ends that
// message, so the order stays as it happened. A delivery cut by a crash is sent again after the
// restart: that one message may appear twice, nothing more (Discord keeps no idempotency key).
import { setTimeout as sleep } from "node:timers/promises";
import type { StoredEvent, StoredEventOf } from "../../core/store.js";
import type { Approval, Session } from "../../shared/schemas.js";
import { postApproval, settleApproval } from "../approval-messages.js";
import { outputsAfter } from "../read-ahead.js";
import type { BridgeEngine, Thread } from "../types.js";
import { type API, discordCode } from "./discord-api.js";
import {
  appendOutputs,
  type DiscordMessage,
  message,
  type RenderedOutput,
  renderApproval,
  renderHumanInput,
  renderInterrupt,
  renderOutput,
  renderSettled,
  renderState,
} from "./render.js";
import { type DiscordThreads, THREAD_GONE } from "./threads.js";

/** A growing output message is edited at most this often; what comes meanwhile joins the edit. */
const EDIT_EVERY_MS = 1000;

export interface DeliveryOptions {
  api: API;
  engine: Pick<BridgeEngine, "getSessionById" | "readEvents">;
  threads: DiscordThreads;
  wantsThread(session: Session): boolean;
  /** An approval as it is now (settled, when its approval_resolved is delivered). */
  approval(id: string): Promise<Approval>;
  /** A label (`discord:1234`, `web:phone`) said for a person, as plain text. */
  who(label: string): string;
}

/** The newest output message of a thread, while it may still grow. */
interface OpenOutput {
  id: string;
  threadId: string;
  content: string;
  at: number;
}

export class Delivery {
  private readonly openOutput = new Map<string, OpenOutput>();

  constructor(private readonly o: DeliveryOptions) {}

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
        if (event.data.sender.startsWith("discord:")) return this.endOutput(session.id);
        return this.sayAll(
          thread,
          renderHumanInput(event.data.text, this.o.who(event.data.sender)),
        );
      case "interrupt":
        return this.say(thread, renderInterrupt(this.o.who(event.data.by)));
      case "state": {
        await this.o.threads.refresh(session, thread);
        const line = renderState(event.data);
        return line === undefined ? undefined : this.say(thread, line);
      }
      case "renamed":
        return this.o.threads.rename(session, thread);
      case "status":
      case "usage":
        return;
    }
  }

  // ---------- output ----------

  private async output(event: StoredEventOf<"output">, thread: Thread): Promise<number> {
    const sessionId = event.session_id;
    const first = renderOutput(event.data);
    if (first.file || first.pieces.length > 1) {
      // A long output: its messages (and its file) on their own.
      this.endOutput(sessionId);
      for (const piece of first.pieces) await this.post(thread, message(piece));
      if (first.file) {
        await this.o.api.channels.createMessage(thread.thread_id, {
          ...message("The whole output:"),
          files: [{ name: first.file.name, data: Buffer.from(first.file.text, "utf8") }],
        });
      }
      return event.seq;
    }
    // The newest output message grows, at most one edit a second: wait first, then read ahead,
    // so the edit carries everything committed meanwhile.
    const open = this.openOutput.get(sessionId);
    // Only a message this output still fits in grows; a full one is not waited for.
    const grows =
      open !== undefined &&
      open.threadId === thread.thread_id &&
      appendOutputs(open.content, [first]).count > 0;
    if (grows) {
      await sleep(Math.max(0, open.at + EDIT_EVERY_MS - Date.now()), undefined, { ref: false });
    }
    // This output and the short ones committed after it, in order.
    const rendered: RenderedOutput[] = [first];
    const seqs = [event.seq];
    for (const next of await outputsAfter(this.o.engine, event)) {
      const output = renderOutput(next.data);
      if (output.file || output.pieces.length > 1) break;
      rendered.push(output);
      seqs.push(next.seq);
    }
    if (grows) {
      const grown = appendOutputs(open.content, rendered);
      if (grown.count > 0 && (await this.grow(open, grown.content))) {
        this.openOutput.set(sessionId, { ...open, content: grown.content, at: Date.now() });
        return seqs[grown.count - 1]!;
      }
    }
    const fresh = appendOutputs("", rendered);
    const id = await this.post(thread, message(fresh.content));
    this.openOutput.set(sessionId, {
      id,
      threadId: thread.thread_id,
      content: fresh.content,
      at: Date.now(),
    });
    return seqs[fresh.count - 1]!;
  }

  /** Edits the open output message; false when it is gone, and the outputs go in a new one. */
  private async grow(open: OpenOutput, content: string): Promise<boolean> {
    try {
      await this.o.api.channels.editMessage(open.threadId, open.id, message(content));
      return true;
    } catch (error) {
      if (discordCode(error) === 10008) return false;
      throw error;
    }
  }

  private endOutput(sessionId: string): void {
    this.openOutput.delete(sessionId);
  }

  private async say(thread: Thread, said: DiscordMessage): Promise<void> {
    await this.sayAll(thread, [said]);
  }

  private async sayAll(thread: Thread, said: readonly DiscordMessage[]): Promise<void> {
    this.endOutput(thread.session_id);
    for (const one of said) await this.post(thread, one);
  }

  /** Posts in the thread; resolves with the message's id. */
  private async post(thread: Thread, said: DiscordMessage): Promise<string> {
    return (await this.o.api.channels.createMessage(thread.thread_id, said)).id;
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
      edit: async (messageId, approval, who, reason) => {
        try {
          await this.o.api.channels.editMessage(
            thread.thread_id,
            messageId,
            renderSettled(approval, who, reason),
          );
        } catch (error) {
          if (!THREAD_GONE.has(discordCode(error) ?? 0)) throw error;
        }
      },
    });
  }
}
