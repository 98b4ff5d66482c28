// An agent's icon as a chat message can show it: an emoji, not an image address.

/** The agent's icon when it is a short emoji; undefined for anything else (an address, text). */
export function shortIcon(icon: string | null): string | undefined {
  if (!icon || icon.length > 16 || /[\s<>&:/]/.test(icon)) return undefined;
  return /\p{Extended_Pictographic}/u.test(icon) ? icon : undefined;
}
