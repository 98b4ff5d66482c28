// `tether bridges`: each chat bridge's state and who paired on it; a pairing code to send from
// the chat; revoking a paired user.
import type { TetherClient } from "../../client/api.js";
import type { BridgeInfo } from "../../shared/schemas.js";
import { dateTime, table } from "../format.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export async function bridges(client: TetherClient) {
  const all = await client.listBridges();
  if (all.length === 0) {
    return out(
      "no chat bridges are running (Telegram starts with TELEGRAM_BOT_TOKEN, Slack with SLACK_BOT_TOKEN)",
    );
  }
  for (const [i, bridge] of all.entries()) {
    if (i > 0) out("");
    for (const line of bridgeLines(bridge)) out(line);
  }
}

/** `telegram: connected; answers paired users`, then its users as a table (or how to pair). */
export function bridgeLines(b: BridgeInfo): string[] {
  const since = b.state === "connected" ? "" : ` since ${dateTime(b.since)}`;
  const backlog = b.backlog > 0 ? `, ${b.backlog} events waiting` : "";
  const error = b.last_error ? ` (last error: ${b.last_error})` : "";
  const who = b.pairing ? "answers paired users" : "answers the users its allow list names";
  const lines = [`${b.name}: ${b.state}${since}${backlog}${error}; ${who}`];
  if (b.users.length > 0) {
    const rows = b.users.map((u) => [u.user_id, dateTime(u.paired_at), u.name]);
    lines.push(...table(["USER ID", "PAIRED", "NAME"], rows).map((l) => `  ${l}`));
  } else if (b.pairing) {
    lines.push(`  nobody paired yet: \`tether bridges pair ${b.name}\` makes a code`);
  }
  return lines;
}

export async function bridgesPair(client: TetherClient, name: string) {
  const { code, expires_at } = await client.pairingCode(name);
  const bridge = (await client.listBridges()).find((b) => b.name === name);
  const command = bridge?.pair_command ?? "/pair";
  out(
    `Send this ${bridge?.pair_where ?? `where the ${name} bot is`} (one use, until ${dateTime(expires_at)}):`,
  );
  out("");
  out(`  ${command} ${code}`);
  out("");
  out("Whoever sends it first may answer your agents from there.");
}

export async function bridgesRevoke(client: TetherClient, name: string, userId: string) {
  await client.revokeBridgeUser(name, userId);
  out(`revoked ${userId} on ${name}: their clicks and messages do nothing from now on`);
}
