// Who did something: answered an approval, typed a message, interrupted an agent. The door the
// request came through sets it from what it knows (the paired device, the token, the chat
// platform's user), never from what the client says about itself; it is stored as its label.

export type Actor =
  /** A paired browser, by the device name it paired as. */
  | { kind: "web"; device: string }
  /** A token holder that said which of our tools it is: `cli:alice@laptop`, `mcp`, `api`. */
  | { kind: "cli" | "mcp" | "api"; name?: string | undefined }
  /** Dev mode: no credentials, so nothing is known but that it came from this machine. */
  | { kind: "local" }
  /** A session rule answered it (core/rules.ts). */
  | { kind: "rule"; id: string }
  /** A button on an ntfy notification, through its answer link (notify/answer-links.ts): the
   * link is the only credential, so nothing more is known of who tapped it. */
  | { kind: "ntfy" }
  /** A user of a chat bridge whom the bridge let answer (allowed or paired), by the platform's
   * own user id: `telegram:1001`. */
  | { kind: "bridge"; platform: string; user: string }
  /** Someone at the terminal a hooked agent runs in (Claude Code or Codex started by hand). */
  | { kind: "terminal" };

/** The actor as recorded in `decided_by`, `sender` and `by`: `web:phone`, `cli:alice@laptop`,
 * `api`, `rule:rule_…`, `ntfy`. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "web":
      return `web:${actor.device}`;
    case "rule":
      return `rule:${actor.id}`;
    case "local":
      return "local";
    case "ntfy":
      return "ntfy";
    case "terminal":
      return "terminal";
    case "bridge":
      return `${actor.platform}:${actor.user}`;
    default:
      return actor.name === undefined ? actor.kind : `${actor.kind}:${actor.name}`;
  }
}

/** What a token holder may call itself: one of our own tools, optionally with a name. Nothing
 * lets a caller pose as a device, a rule or a chat bridge. */
const SELF_LABEL = /^(cli|mcp|api)(?::([A-Za-z0-9._@-]{1,64}))?$/;

/** The actor a caller authenticated as `actor` is recorded as, given the label it claims: a
 * paired device is always itself; a token (or dev-mode) caller may name which of our tools it is.
 * A claim of any other form is ignored. */
export function claimedActor(actor: Actor, claimed: string | undefined): Actor {
  if (actor.kind !== "api" && actor.kind !== "local") return actor;
  const match = claimed === undefined ? null : SELF_LABEL.exec(claimed);
  if (!match) return actor;
  return { kind: match[1] as "cli" | "mcp" | "api", name: match[2] };
}
