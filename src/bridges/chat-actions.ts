// What a person may do from a chat, the same on every platform: answer an approval, pair with a
// code, start a session, interrupt one. Only allowed users (the platform's allow list, or paired
// with a code) act; the platform's folder decides how it looks and how it is asked.
import { allowedDirectory } from "../adapters/allowed-roots.js";
import type { Config } from "../config/schema.js";
import type { Actor } from "../core/actor.js";
import type { Approvals } from "../core/approvals.js";
import { TetherError } from "../core/errors.js";
import type { Approval, Session } from "../shared/schemas.js";
import { nameFromPrompt } from "../shared/session-name.js";
import type { BridgeEngine, BridgeUsers } from "./types.js";

export interface ChatActionsOptions {
  /** The platform's name, as in actor labels (`slack:U123`). */
  platform: string;
  engine: BridgeEngine;
  approvals: Approvals;
  users: BridgeUsers;
  /** The platform's allow list (e.g. SLACK_ALLOWED_USER_IDS); empty: pairing. */
  allowList: readonly string[];
  settings: Readonly<Config>;
  /** A label said for a person (for "already answered by …"), as plain text. */
  who(label: string): string;
}

export type PairOutcome = "paired" | "already" | "off" | "refused";

export class ChatActions {
  private readonly allowList: ReadonlySet<string>;

  constructor(private readonly o: ChatActionsOptions) {
    this.allowList = new Set(o.allowList);
  }

  /** Users pair with a code when no allow list names who may answer. */
  get pairing(): boolean {
    return this.allowList.size === 0;
  }

  allowed(userId: string): boolean {
    return this.allowList.has(userId) || this.o.users.isPaired(userId);
  }

  actor(userId: string): Actor {
    return { kind: "bridge", platform: this.o.platform, user: userId };
  }

  /** Answers approval `approvalId` with its option number `index`: the option sent, or why not
   * (plain text: answered already, withdrawn, gone), with the approval as it is when it was
   * settled before. */
  async answer(
    approvalId: string,
    index: number,
    userId: string,
  ): Promise<{ ok: true; option: string } | { ok: false; why: string; settled?: Approval }> {
    try {
      const approval = await this.o.approvals.get(approvalId);
      const option = approval.options[index];
      if (option === undefined) return { ok: false, why: "That option is not there any more." };
      await this.o.approvals.resolve(approvalId, { option, actor: this.actor(userId) });
      return { ok: true, option };
    } catch (error) {
      const settled = await this.o.approvals.get(approvalId).catch(() => undefined);
      return {
        ok: false,
        why: this.whyNot(error),
        ...(settled && settled.status !== "pending" ? { settled } : {}),
      };
    }
  }

  async pair(code: string, user: { id: string; name: string }): Promise<PairOutcome> {
    if (this.allowed(user.id)) return "already";
    if (!this.pairing) return "off";
    return (await this.o.users.pair(code.trim(), user)) ? "paired" : "refused";
  }

  /** The sessions not ended, newest activity first. */
  openSessions(): Session[] {
    return this.o.engine
      .listSessions()
      .filter((s) => s.state !== "done")
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  async pendingCount(sessionId: string): Promise<number> {
    return (await this.o.approvals.list({ status: "pending", sessionId })).length;
  }

  /** A new session of the default agent in TETHER_DEFAULT_DIR, told `prompt`, on this platform;
   * or the one line that says why it cannot start. */
  async startSession(
    prompt: string,
    userId: string,
  ): Promise<{ session: Session } | { problem: string }> {
    if (prompt.trim() === "") return { problem: "Say what to do: new <prompt>" };
    const directory = this.o.settings.TETHER_DEFAULT_DIR;
    if (directory === undefined) {
      return {
        problem:
          "Set TETHER_DEFAULT_DIR (the folder agents started from chat work in) and restart Tether to start sessions from chat.",
      };
    }
    try {
      const session = await this.o.engine.createSession({
        kind: this.o.settings.TETHER_AGENT_ADAPTER,
        name: nameFromPrompt(prompt),
        directory: allowedDirectory(directory, this.o.settings.TETHER_ALLOWED_ROOTS),
        platform: this.o.platform,
      });
      await this.o.engine.sendInput(session.id, { text: prompt, sender: this.actor(userId) });
      return { session };
    } catch (error) {
      return { problem: errorText(error) };
    }
  }

  async interrupt(
    sessionId: string,
    userId: string,
  ): Promise<{ session: Session } | { problem: string }> {
    try {
      return { session: await this.o.engine.interrupt(sessionId, this.actor(userId)) };
    } catch (error) {
      return { problem: errorText(error) };
    }
  }

  async send(sessionId: string, text: string, userId: string): Promise<string | undefined> {
    try {
      await this.o.engine.sendInput(sessionId, { text, sender: this.actor(userId) });
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }

  /** What a late or wrong answer is told. */
  private whyNot(error: unknown): string {
    if (error instanceof TetherError && error.code === "approval_already_resolved") {
      const details = (error.details ?? {}) as {
        status?: string;
        decision?: string | null;
        decided_by?: string | null;
      };
      return details.status === "cancelled"
        ? "Already withdrawn: the agent stopped waiting."
        : `Already answered: ${details.decision ?? ""} — by ${this.o.who(details.decided_by ?? "")}`;
    }
    if (error instanceof TetherError && error.code === "approval_not_found") {
      return "This question is gone (its session was deleted).";
    }
    return `Could not answer: ${errorText(error)}`;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
