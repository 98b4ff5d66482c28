// What people do in the channel: press an approval's button, reply in a session's thread (human
// input to its agent), or run `/tether`. Every interaction is acknowledged at once (Slack wants
// it within 3 s) and handled after. Only allowed users (SLACK_ALLOWED_USER_IDS, or paired with
// `/tether pair <code>`) change anything; anyone else is told so privately, and the bot's own
// messages (and other bots') are ignored.
import type { Logger } from "pino";
import type { ChatActions } from "../chat-actions.js";
import type { BridgeEngine } from "../types.js";
import { plainFromSlack } from "./incoming-text.js";
import {
  escapeMrkdwn,
  literalMrkdwn,
  parseApprovalAction,
  renderAlreadyAnswered,
  type SlackMessage,
} from "./render.js";
import type { BoltApp, WebClient } from "./slack-api.js";
import type { SlackThreads } from "./threads.js";

export interface InteractionOptions {
  channel: string;
  engine: Pick<BridgeEngine, "getSessionById">;
  actions: ChatActions;
  threads: SlackThreads;
  log: Logger;
  /** The bot's own user id, whose messages are ignored. */
  botUserId: string;
  /** Remembers how a user is called, for the messages that name them. */
  seen(userId: string, name: string): void;
  /** A label said for a person, as plain text. */
  who(label: string): string;
  sessionLink(sessionId: string): string | undefined;
}

/** The action_id of an approval's buttons (render-approval.ts). */
const BUTTON = /^a:/;

/** What someone who may not act is told: how to pair, or (with an allow list, when pairing is
 * off) that only the people it names may. */
const notAllowed = (pairing: boolean) =>
  pairing
    ? "You may not answer Tether's agents here yet: ask whoever runs Tether for a pairing code (`tether bridges pair slack`), then send `/tether pair <code>`."
    : "You may not answer Tether's agents here: only the people in this Tether's SLACK_ALLOWED_USER_IDS may.";

export function handleInteractions(app: BoltApp, o: InteractionOptions): void {
  /** Says something to one user only, in the thread they acted in. */
  const tell = (client: WebClient, user: string, said: string | SlackMessage, threadTs?: string) =>
    client.chat
      .postEphemeral({
        channel: o.channel,
        user,
        ...(typeof said === "string" ? { text: said } : { text: said.text, blocks: said.blocks }),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      })
      .catch((error: unknown) =>
        o.log.warn({ error: String(error) }, "could not tell a Slack user why nothing happened"),
      );

  app.action(BUTTON, async ({ ack, body, action, client }) => {
    await ack();
    if (body.type !== "block_actions" || !("action_id" in action)) return;
    const user = body.user.id;
    const threadTs = (body.message?.thread_ts as string | undefined) ?? undefined;
    if (body.channel?.id !== o.channel || !o.actions.allowed(user)) {
      o.log.info({ user_id: user }, "ignored a button press from a user who may not answer");
      await tell(client, user, notAllowed(o.actions.pairing), threadTs);
      return;
    }
    o.seen(user, `@${body.user.username ?? body.user.name ?? user}`);
    const button = parseApprovalAction(action.action_id);
    if (!button) return;
    const outcome = await o.actions.answer(button.approvalId, button.option, user);
    // The message itself is edited for everyone once the answer is committed (delivery.ts).
    if (outcome.ok) return;
    const settled = outcome.settled;
    await tell(
      client,
      user,
      settled
        ? renderAlreadyAnswered(settled, o.who(settled.decided_by ?? ""))
        : literalMrkdwn(outcome.why),
      threadTs,
    );
  });

  app.message(async ({ message, client }) => {
    // Edits, joins, bots' posts and the like carry a subtype; a person's reply does not.
    if (message.subtype !== undefined || message.channel !== o.channel) return;
    if (message.bot_id !== undefined || message.user === o.botUserId) return;
    const threadTs = message.thread_ts;
    if (threadTs === undefined || threadTs === message.ts) return;
    const sessionId = o.threads.sessionOf(threadTs);
    if (sessionId === undefined) return;
    const user = message.user;
    if (user === undefined) return;
    if (!o.actions.allowed(user)) {
      o.log.info({ user_id: user }, "ignored a message from a user who may not answer");
      await tell(client, user, notAllowed(o.actions.pairing), threadTs);
      return;
    }
    const problem = await o.actions.send(sessionId, plainFromSlack(message.text ?? ""), user);
    if (problem !== undefined) await tell(client, user, literalMrkdwn(problem), threadTs);
  });

  app.command("/tether", async ({ command, ack }) => {
    const text = await runCommand(
      plainFromSlack(command.text),
      command.user_id,
      command.user_name,
    ).catch((error: unknown) => `Could not do that: ${escapeMrkdwn(String(error))}`);
    await ack({ response_type: "ephemeral", text });
  });

  async function runCommand(input: string, user: string, userName: string): Promise<string> {
    const [word = "help", ...rest] = input.trim().split(/\s+/);
    const args = input.trim().slice(word.length).trim();
    if (word === "pair") {
      const outcome = await o.actions.pair(args, { id: user, name: `@${userName}` });
      o.log.info({ user_id: user, outcome }, "a Slack user asked to pair");
      return PAIR_REPLIES[outcome]!;
    }
    if (!o.actions.allowed(user)) return notAllowed(o.actions.pairing);
    o.seen(user, `@${userName}`);
    switch (word.toLowerCase()) {
      case "sessions":
      case "status":
        return rest.length > 0 ? sessionStatus(args) : sessionsList();
      case "interrupt": {
        const sessionId = findSession(args);
        if (sessionId === undefined)
          return `No open session matches "${escapeMrkdwn(args)}". ${USAGE}`;
        const outcome = await o.actions.interrupt(sessionId, user);
        return "session" in outcome
          ? `Interrupting *${escapeMrkdwn(outcome.session.name)}*…`
          : escapeMrkdwn(outcome.problem);
      }
      case "new": {
        const outcome = await o.actions.startSession(args, user);
        return "session" in outcome
          ? `Started *${escapeMrkdwn(outcome.session.name)}*: it gets its own thread here.`
          : escapeMrkdwn(outcome.problem);
      }
      default:
        return USAGE;
    }
  }

  function sessionsList(): string {
    const sessions = o.actions.openSessions();
    if (sessions.length === 0) return "No sessions are open. `/tether new <prompt>` starts one.";
    const lines = sessions.slice(0, 30).map((s) => `• ${sessionLine(s.id)}`);
    if (sessions.length > 30) lines.push(`… and ${sessions.length - 30} more`);
    return `*Sessions*\n${lines.join("\n")}`;
  }

  function sessionLine(sessionId: string): string {
    const s = o.engine.getSessionById(sessionId);
    const link = o.sessionLink(s.id);
    const name = escapeMrkdwn(s.name);
    return `${link ? `<${link}|${name}>` : `*${name}*`} (${escapeMrkdwn(s.kind)}): ${s.state.replace(/_/g, " ")}`;
  }

  async function sessionStatus(query: string): Promise<string> {
    const sessionId = findSession(query);
    if (sessionId === undefined) return `No open session matches "${escapeMrkdwn(query)}".`;
    const s = o.engine.getSessionById(sessionId);
    const pending = await o.actions.pendingCount(sessionId);
    const lines = [sessionLine(sessionId)];
    if (s.directory) lines.push(`\`${escapeMrkdwn(s.directory)}\``);
    if (s.error) lines.push(`:warning: ${escapeMrkdwn(s.error)}`);
    lines.push(
      pending === 0
        ? "Nothing waits for you."
        : `${pending === 1 ? "1 question waits" : `${pending} questions wait`} for you in its thread.`,
    );
    return lines.join("\n");
  }

  /** An open session by its id, or by (the start of) its name; with no query, the only one. */
  function findSession(query: string): string | undefined {
    const open = o.actions.openSessions();
    const q = query.trim().toLowerCase();
    if (q === "") return open.length === 1 ? open[0]!.id : undefined;
    return (
      open.find((s) => s.id === query.trim()) ??
      open.find((s) => s.name.toLowerCase() === q) ??
      open.find((s) => s.name.toLowerCase().startsWith(q))
    )?.id;
  }
}

const USAGE = [
  "*Tether*: each session of your agents has a thread here; reply in it to answer its agent.",
  "`/tether sessions`: the open sessions",
  "`/tether status <session>`: one of them",
  "`/tether interrupt <session>`: stop its agent's current turn",
  "`/tether new <prompt>`: start a session (in TETHER_DEFAULT_DIR)",
  "`/tether pair <code>`: allow yourself to answer (a code from `tether bridges pair slack`)",
].join("\n");

const PAIR_REPLIES: Record<string, string> = {
  paired: "Paired: you may now answer Tether's agents here.",
  already: "You may answer here already.",
  off: "Pairing is off: this Tether takes answers from the users in SLACK_ALLOWED_USER_IDS.",
  refused:
    "That code is not valid (each works once, for a limited time). Run `tether bridges pair slack` for a new one.",
};
