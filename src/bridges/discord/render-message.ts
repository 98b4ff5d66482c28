// The small part of Discord's message JSON the bridge sends: content, action rows of buttons,
// allowed_mentions and flags. Typed here so nothing outside the bridge's own folder needs a
// Discord library; every message carries `allowed_mentions: {parse: []}`, so no agent text ever
// pings anyone, whatever it holds.

/** Discord's limits on what a message holds (UTF-16 units, as Discord counts them). */
export const LIMITS = {
  content: 2000,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  threadName: 100,
} as const;

/** Button styles: blurple, grey, green, red (5, a link, is not used: it carries no custom_id). */
export const BUTTON_STYLE = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;
export type ButtonStyle = (typeof BUTTON_STYLE)[keyof typeof BUTTON_STYLE];

/** Message flags the bridge sets. */
export const FLAGS = {
  /** No link previews: an agent's links would fill the thread with embeds. */
  suppressEmbeds: 1 << 2,
  /** Seen only by the person who clicked (an interaction's reply). */
  ephemeral: 1 << 6,
} as const;

export interface DiscordButton {
  type: 2;
  style: ButtonStyle;
  label: string;
  custom_id: string;
  emoji?: { name: string };
  disabled?: boolean;
}

export interface DiscordActionRow {
  type: 1;
  components: DiscordButton[];
}

export interface AllowedMentions {
  parse: [];
}

export interface DiscordMessage {
  content: string;
  /** Absent leaves a message's buttons as they are on an edit; `[]` removes them. */
  components?: DiscordActionRow[];
  allowed_mentions: AllowedMentions;
  flags?: number;
}

/** A message of `content` that mentions no one and shows no link previews. */
export function message(content: string, components?: DiscordActionRow[]): DiscordMessage {
  return {
    content,
    ...(components ? { components } : {}),
    allowed_mentions: { parse: [] },
    flags: FLAGS.suppressEmbeds,
  };
}
