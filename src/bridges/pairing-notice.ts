// What `tether start` says about a bridge that pairs and has nobody paired yet: the one-time
// code to send, and where no code may be shown, how to get one.
import { CONFIG_KEYS, type ConfigKey } from "../config/schema.js";

/** The start-up notice of a bridge that pairs and has nobody paired yet. The code is a
 * credential, so `tether start` shows `text` only on a terminal (under systemd or Docker its
 * stderr is a log) and `withoutCode` elsewhere. */
export interface PairingNotice {
  text: string;
  withoutCode: string;
}

/** The platform's allow-list setting (`TELEGRAM_ALLOWED_USER_IDS`), when it has one. */
export function allowListSetting(name: string): ConfigKey | undefined {
  const key = `${name.toUpperCase()}_ALLOWED_USER_IDS`;
  return CONFIG_KEYS.find((k) => k === key);
}

export interface PairWith {
  command: string;
  where: string;
}

/** How to pair on a bridge that does not say. */
export function defaultPairWith(name: string): PairWith {
  return { command: "/pair", where: `where the ${name} bot is` };
}

/** `Telegram: nobody may answer yet. Send "/pair 4821-7730" …`. */
export function pairingNotice(
  name: string,
  code: string,
  pairWith: PairWith = defaultPairWith(name),
): PairingNotice {
  const platform = name.charAt(0).toUpperCase() + name.slice(1);
  const setting = allowListSetting(name);
  const orSet = setting ? `, or set ${setting}` : "";
  const { command, where } = pairWith;
  return {
    text: `${platform}: nobody may answer yet. Send "${command} ${code}" ${where} (one use, within 1 hour; \`tether bridges pair ${name}\` makes another)${orSet}`,
    withoutCode: `${platform}: nobody may answer yet. Run \`tether bridges pair ${name}\` in a terminal for a one-time code to send as "${command} <code>" ${where}${orSet}`,
  };
}
