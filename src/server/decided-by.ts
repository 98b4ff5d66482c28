// Who answered an approval, as recorded in `decided_by`: taken from the door the answer came
// through (actorOf the request), never from what the client says about itself. A paired device
// is always `web:<device>`. A bearer-token (`api`) or dev-mode (`local`) caller may say which of
// its own tools it is (the CLI sends `cli:<user>@<host>`, tether-mcp `mcp`), but only in these
// forms: nothing lets a caller pose as a policy, a rule or a chat bridge.
import type { Actor } from "./actor.js";

export const SELF_LABEL = /^(cli|mcp|api)(:[A-Za-z0-9._@-]{1,64})?$/;

export function decidedBy(actor: Actor, claimed: string | undefined): string {
  if (actor.startsWith("web:")) return actor;
  if (claimed !== undefined && SELF_LABEL.test(claimed)) return claimed;
  return actor;
}
