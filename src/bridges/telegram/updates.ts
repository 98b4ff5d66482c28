// What people do in the forum group: press an approval's button, write in a session's topic
// (human input to its agent), or send a command. Only allowed users (TELEGRAM_ALLOWED_USER_IDS,
// or paired with /pair) change anything; anyone else gets nothing but a line in the log, and
// the bot's own messages are ignored.
import type { Logger } from "pino";
import type { Config } from "../../config/schema.js";
import type { Approvals } from "../../core/approvals.js";
import type { Approval } from "../../shared/schemas.js";
import { ChatActions, errorText } from "../chat-actions.js";
import type { BridgeEngine, BridgeUsers } from "../types.js";
import { escapeHtml } from "./render.js";
import { type Bot, type Context, HTML } from "./telegram-api.js";
import type { Topics } from "./topics.js";

export interface UpdateOptions {
  chatId: number;
  engine: BridgeEngine;
  approvals: Approvals;
  topics: Topics;
  users: BridgeUsers;
  settings: Readonly<Config>;
  log: Logger;
  /** A label said for a person (for "already answered by …"). */
  who(label: string): string;
  /** Remembers how a user is called, for the messages that name them. */
  seen(userId: number, name: string): void;
  /** The link to a session in the web app, when TETHER_PUBLIC_URL is set. */
  sessionLink(sessionId: string): string | undefined;
}

/** A risky option (a force-push, a deletion) is sent on its second press within this long. */
const CONFIRM_MS = 15_000;

const HELP = [
  "<b>Tether</b>: each session of your agents has a topic here.",
  "Write in a session's topic to answer its agent; press a button to answer its questions.",
  "",
  "/sessions: the sessions and where they are",
  "/status: in a topic, that session; in General, all of them",
  "/interrupt: in a topic, stop the agent's current turn",
  "/new &lt;prompt&gt;: start a session (in General)",
  "/pair &lt;code&gt;: allow yourself to answer (the code `tether start` printed)",
  "/help: this",
].join("\n");

export function handleUpdates(bot: Bot, o: UpdateOptions): void {
  const actions = new ChatActions({
    platform: "telegram",
    engine: o.engine,
    approvals: o.approvals,
    users: o.users,
    allowList: o.settings.TELEGRAM_ALLOWED_USER_IDS,
    settings: o.settings,
    who: o.who,
  });
  const allowed = (userId: number) => actions.allowed(String(userId));

  /** Risky options pressed once, by `approval:option:user`, until when a second press sends. */
  const confirming = new Map<string, number>();
  const needsConfirming = (approval: Approval, index: number, option: string, userId: number) => {
    if (!approval.risky_options?.includes(option)) return false;
    const key = `${approval.id}:${index}:${userId}`;
    const now = Date.now();
    for (const [k, until] of confirming) if (until < now) confirming.delete(k);
    if (confirming.has(key)) {
      confirming.delete(key);
      return false;
    }
    confirming.set(key, now + CONFIRM_MS);
    return true;
  };

  /** The update came from the forum group and a person (not a bot, not us). */
  const fromPeople = (ctx: Context) =>
    ctx.chat?.id === o.chatId && ctx.from !== undefined && !ctx.from.is_bot;

  bot.on("callback_query:data", async (ctx) => {
    const from = ctx.from;
    const [kind, approvalId, index] = ctx.callbackQuery.data.split(":");
    // A message too old for Telegram to include is no reason to refuse the press.
    const chat = ctx.callbackQuery.message?.chat.id;
    if ((chat !== undefined && chat !== o.chatId) || from.is_bot || !allowed(from.id)) {
      o.log.info({ user_id: from.id }, "ignored a button press from a user who may not answer");
      await ctx.answerCallbackQuery();
      return;
    }
    o.seen(from.id, nameOf(from));
    if (kind !== "a" || approvalId === undefined || index === undefined) {
      await ctx.answerCallbackQuery({ text: "This button is not Tether's (any more)." });
      return;
    }
    const approval = await o.approvals.get(approvalId).catch(() => undefined);
    const option = approval?.options[Number(index)];
    if (
      approval?.status === "pending" &&
      option !== undefined &&
      needsConfirming(approval, Number(index), option, from.id)
    ) {
      await ctx.answerCallbackQuery({
        text: `"${option}" is marked risky: press it again within ${CONFIRM_MS / 1000} s to send it.`.slice(
          0,
          200,
        ),
        show_alert: true,
      });
      return;
    }
    const outcome = await actions.answer(approvalId, Number(index), String(from.id));
    // At most 200 characters, Telegram's limit.
    const text = (outcome.ok ? `${outcome.option} ✓` : outcome.why).slice(0, 200);
    await ctx.answerCallbackQuery({ text });
  });

  bot.on("message:text", async (ctx) => {
    if (!fromPeople(ctx)) return;
    const from = ctx.from!;
    const message = ctx.message;
    // A session's topic by its id, whether or not the update marks it a topic message (only
    // topics Tether opened map to a session); another thread of the forum is only replied in.
    const thread = message.message_thread_id;
    const sessionId = thread === undefined ? undefined : o.topics.sessionOf(thread);
    const topic = sessionId !== undefined || message.is_topic_message ? thread : undefined;
    const reply = (html: string) =>
      ctx.api.sendMessage(o.chatId, html, {
        ...HTML,
        ...(topic !== undefined ? { message_thread_id: topic } : {}),
        reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
      });
    const command = commandOf(message.text, ctx.me.username);

    if (command?.name === "pair") {
      const outcome = await actions.pair(command.args, { id: String(from.id), name: nameOf(from) });
      o.log.info({ user_id: from.id, outcome }, "a Telegram user asked to pair");
      return void (await reply(
        outcome === "paired"
          ? `Paired: ${escapeHtml(nameOf(from))} may now answer Tether's agents here.`
          : PAIR_REPLIES[outcome],
      ));
    }
    if (!allowed(from.id)) {
      o.log.info({ user_id: from.id }, "ignored a message from a user who may not answer");
      return;
    }
    o.seen(from.id, nameOf(from));
    try {
      if (command) {
        return void (await reply(await runCommand(command, sessionId, from.id)));
      }
      if (sessionId === undefined) return;
      const problem = await actions.send(sessionId, message.text, String(from.id));
      if (problem !== undefined) await reply(escapeHtml(problem));
    } catch (error) {
      await reply(escapeHtml(errorText(error)));
    }
  });

  async function runCommand(
    command: { name: string; args: string },
    sessionId: string | undefined,
    userId: number,
  ): Promise<string> {
    switch (command.name) {
      case "start":
      case "help":
        return HELP;
      case "sessions":
        return sessionsList();
      case "status":
        return sessionId === undefined ? sessionsList() : sessionStatus(sessionId);
      case "interrupt": {
        if (sessionId === undefined) return "Send /interrupt in the topic of the session to stop.";
        const outcome = await actions.interrupt(sessionId, String(userId));
        return "session" in outcome
          ? `Interrupting <b>${escapeHtml(outcome.session.name)}</b>…`
          : escapeHtml(outcome.problem);
      }
      case "new": {
        if (command.args.trim() === "") return "Say what to do: /new &lt;prompt&gt;";
        const outcome = await actions.startSession(command.args.trim(), String(userId));
        return "session" in outcome
          ? `Started <b>${escapeHtml(outcome.session.name)}</b> (${escapeHtml(outcome.session.kind)}): it gets its own topic.`
          : escapeHtml(outcome.problem);
      }
      default:
        return `Unknown command /${escapeHtml(command.name)}. ${HELP}`;
    }
  }

  function sessionsList(): string {
    const sessions = actions.openSessions();
    if (sessions.length === 0) return "No sessions are open. /new &lt;prompt&gt; starts one.";
    const lines = sessions.slice(0, 30).map((s) => `• ${sessionLine(s.id)}`);
    if (sessions.length > 30) lines.push(`… and ${sessions.length - 30} more`);
    return `<b>Sessions</b>\n${lines.join("\n")}`;
  }

  function sessionLine(sessionId: string): string {
    const s = o.engine.getSessionById(sessionId);
    const link = o.sessionLink(s.id);
    const name = escapeHtml(s.name);
    return `${link ? `<a href="${escapeHtml(link)}">${name}</a>` : `<b>${name}</b>`} (${escapeHtml(s.kind)}): ${s.state.replace(/_/g, " ")}`;
  }

  async function sessionStatus(sessionId: string): Promise<string> {
    const pending = await actions.pendingCount(sessionId);
    const s = o.engine.getSessionById(sessionId);
    const lines = [sessionLine(sessionId)];
    if (s.directory) lines.push(`<code>${escapeHtml(s.directory)}</code>`);
    if (s.error) lines.push(`⚠️ ${escapeHtml(s.error)}`);
    lines.push(
      pending === 0
        ? "Nothing waits for you."
        : `${pending} question${pending === 1 ? "" : "s"} wait for you above.`,
    );
    return lines.join("\n");
  }
}

/** `/name args` or `/name@thisbot args`; commands meant for another bot are not ours. */
function commandOf(
  text: string,
  botName: string | undefined,
): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  if (match[2] !== undefined && match[2].toLowerCase() !== (botName ?? "").toLowerCase()) {
    return undefined;
  }
  return { name: match[1]!.toLowerCase(), args: match[3] ?? "" };
}

function nameOf(user: { username?: string; first_name: string; last_name?: string }): string {
  if (user.username) return `@${user.username}`;
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

const PAIR_REPLIES = {
  already: "You may answer here already.",
  off: "Pairing is off: this bot takes answers from the users in TELEGRAM_ALLOWED_USER_IDS.",
  refused:
    "That code is not valid (each works once, for a limited time). Run <code>tether bridges pair telegram</code> for a new one.",
} as const;
