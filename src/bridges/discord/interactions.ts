// What people do in the channel's threads: press an approval's button, write in a session's
// thread (human input to its agent), or run `/tether`. A click is acknowledged at once with a
// deferred update (Discord wants an answer within 3 s) and handled after; a command is answered
// in its reply, seen only by whoever ran it. Only allowed users (DISCORD_ALLOWED_USER_IDS, or
// paired with `/tether pair <code>`) change anything; bots, the bridge included, are ignored.
import {
  type API,
  type APIApplicationCommandInteractionDataOption,
  type APIInteraction,
  ApplicationCommandOptionType,
  type Client,
  GatewayDispatchEvents,
  InteractionType,
  MessageFlags,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "@discordjs/core";
import type { Logger } from "pino";
import type { ChatActions } from "../chat-actions.js";
import type { ChatCommands, ChatFormat } from "../chat-commands.js";
import {
  type DiscordMessage,
  escapeDiscord,
  message,
  parseApprovalCustomId,
  renderAlreadyAnswered,
} from "./render.js";
import type { DiscordThreads } from "./threads.js";

export interface InteractionOptions {
  applicationId: string;
  actions: ChatActions;
  commands: ChatCommands;
  threads: DiscordThreads;
  log: Logger;
  /** Remembers how a user is called, for the messages that name them. */
  seen(userId: string, name: string): void;
  /** A label said for a person, as plain text. */
  who(label: string): string;
}

/** How `/tether`'s answers are written in Discord's Markdown. */
export const DISCORD_FORMAT: ChatFormat = {
  text: escapeDiscord,
  bold: (text) => `**${text}**`,
  code: (text) => `\`${text.replace(/`/g, "ˋ")}\``,
  link: (url, label) => `[${escapeDiscord(label).replace(/[[\]]/g, "")}](<${url}>)`,
  warning: "⚠️",
};

export function handleInteractions(client: Client, o: InteractionOptions): void {
  client.on(GatewayDispatchEvents.InteractionCreate, async ({ data: interaction, api }) => {
    try {
      if (interaction.type === InteractionType.MessageComponent) {
        await click(api, interaction);
      } else if (interaction.type === InteractionType.ApplicationCommand) {
        await command(api, interaction);
      }
    } catch (error) {
      o.log.warn({ error: String(error) }, "handling a Discord interaction failed");
    }
  });

  client.on(GatewayDispatchEvents.MessageCreate, async ({ data: posted }) => {
    if (posted.author.bot || posted.webhook_id !== undefined) return;
    const sessionId = o.threads.sessionOf(posted.channel_id);
    if (sessionId === undefined) return;
    const user = posted.author.id;
    if (!o.actions.allowed(user)) {
      o.log.info({ user_id: user }, "ignored a message from a user who may not answer");
      return;
    }
    o.seen(user, `@${posted.author.username}`);
    const problem = await o.actions.send(sessionId, posted.content, user);
    if (problem !== undefined) {
      o.log.warn({ session_id: sessionId, error: problem }, "a Discord reply was not taken");
    }
  });

  /** Says something to the one user who acted, after the interaction was acknowledged. */
  const tell = (api: API, token: string, said: DiscordMessage) =>
    api.interactions.followUp(o.applicationId, token, {
      ...said,
      flags: MessageFlags.Ephemeral,
    });

  async function click(api: API, interaction: APIInteraction): Promise<void> {
    if (interaction.type !== InteractionType.MessageComponent) return;
    const button = parseApprovalCustomId(interaction.data.custom_id);
    if (!button) return;
    // First: the 3 s Discord gives an answer. The message is edited for everyone once the
    // answer is committed (delivery.ts), so the click's own answer changes nothing yet.
    await api.interactions.deferMessageUpdate(interaction.id, interaction.token);
    const person = interaction.member?.user ?? interaction.user;
    if (!person) return;
    if (!o.actions.allowed(person.id)) {
      o.log.info({ user_id: person.id }, "ignored a button press from a user who may not answer");
      await tell(api, interaction.token, message(o.commands.notAllowed()));
      return;
    }
    o.seen(person.id, `@${person.username}`);
    const outcome = await o.actions.answer(button.approvalId, button.option, person.id);
    if (outcome.ok) return;
    await tell(
      api,
      interaction.token,
      outcome.settled
        ? renderAlreadyAnswered(outcome.settled, o.who(outcome.settled.decided_by ?? ""))
        : message(escapeDiscord(outcome.why)),
    );
  }

  async function command(api: API, interaction: APIInteraction): Promise<void> {
    if (interaction.type !== InteractionType.ApplicationCommand) return;
    if (interaction.data.name !== "tether") return;
    const person = interaction.member?.user ?? interaction.user;
    if (!person) return;
    const options = "options" in interaction.data ? (interaction.data.options ?? []) : [];
    const text = await o.commands
      .run(commandText(options), person.id, `@${person.username}`)
      .catch((error: unknown) => `Could not do that: ${escapeDiscord(String(error))}`);
    await api.interactions.reply(interaction.id, interaction.token, {
      ...message(text),
      flags: MessageFlags.Ephemeral,
    });
  }
}

/** `/tether status session:<name>` as the words ChatCommands reads: `status <name>`. */
function commandText(options: readonly APIApplicationCommandInteractionDataOption[]): string {
  const sub = options[0];
  if (!sub || sub.type !== ApplicationCommandOptionType.Subcommand) return "help";
  const args = (sub.options ?? []).map((option) => ("value" in option ? String(option.value) : ""));
  return [sub.name, ...args].join(" ").trim();
}

/** `/tether` and its subcommands, as registered for the guild. */
export const TETHER_COMMAND: RESTPostAPIChatInputApplicationCommandsJSONBody = {
  name: "tether",
  description: "Your agents' sessions",
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "sessions",
      description: "The open sessions",
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "status",
      description: "One session's state and what waits for you",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "session",
          description: "Its name, the start of it, or its id",
          required: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "interrupt",
      description: "Stop a session's current turn",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "session",
          description: "Its name, the start of it, or its id",
          required: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "new",
      description: "Start a session in TETHER_DEFAULT_DIR",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "prompt",
          description: "What the agent should do",
          required: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "pair",
      description: "Allow yourself to answer, with a code from `tether bridges pair discord`",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "code",
          description: "The one-time code",
          required: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "help",
      description: "What /tether does",
    },
  ],
};
