// What people do in the channel: press an approval's button, reply in a session's thread (human
// input to its agent), or run `/tether`. Every interaction is acknowledged at once (Slack wants
// it within 3 s) and handled after. Only allowed users (SLACK_ALLOWED_USER_IDS, or paired with
// `/tether pair <code>`) change anything; anyone else is told so privately, and the bot's own
// messages (and other bots') are ignored.
import type { Logger } from "pino";
import type { ChatActions } from "../chat-actions.js";
import { ChatCommands, type ChatFormat } from "../chat-commands.js";
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

export function handleInteractions(app: BoltApp, o: InteractionOptions): void {
  const commands = new ChatCommands({
    platform: "slack",
    actions: o.actions,
    engine: o.engine,
    format: MRKDWN,
    seen: o.seen,
    sessionLink: o.sessionLink,
  });
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
      await tell(client, user, commands.notAllowed(), threadTs);
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
      await tell(client, user, commands.notAllowed(), threadTs);
      return;
    }
    const problem = await o.actions.send(sessionId, plainFromSlack(message.text ?? ""), user);
    if (problem !== undefined) await tell(client, user, literalMrkdwn(problem), threadTs);
  });

  app.command("/tether", async ({ command, ack }) => {
    const text = await commands
      .run(plainFromSlack(command.text), command.user_id, `@${command.user_name}`)
      .catch((error: unknown) => `Could not do that: ${escapeMrkdwn(String(error))}`);
    await ack({ response_type: "ephemeral", text });
  });
}

/** How `/tether`'s answers are written in mrkdwn. */
const MRKDWN: ChatFormat = {
  text: escapeMrkdwn,
  bold: (text) => `*${text}*`,
  code: (text) => `\`${escapeMrkdwn(text)}\``,
  link: (url, label) => `<${url}|${escapeMrkdwn(label)}>`,
  warning: ":warning:",
};
