// `/tether <word> …` as Slack and Discord take it: sessions, status, interrupt, new, pair, help.
// What each does is the same everywhere; how the answer is written (mrkdwn, Discord Markdown)
// is the platform's, through a small formatter.
import type { Session } from "../shared/schemas.js";
import type { ChatActions } from "./chat-actions.js";
import type { BridgeEngine } from "./types.js";

/** How a platform writes the few things an answer holds. */
export interface ChatFormat {
  /** Plain text, escaped. */
  text(text: string): string;
  bold(text: string): string;
  code(text: string): string;
  /** A link with a (plain) label. */
  link(url: string, label: string): string;
  warning: string;
}

export interface ChatCommandsOptions {
  /** The platform's name, as in `tether bridges pair <name>` and its allow-list setting. */
  platform: string;
  actions: ChatActions;
  engine: Pick<BridgeEngine, "getSessionById">;
  format: ChatFormat;
  /** Remembers how a user is called, for the messages that name them. */
  seen(userId: string, name: string): void;
  sessionLink(sessionId: string): string | undefined;
}

const MAX_LISTED = 30;

export class ChatCommands {
  constructor(private readonly o: ChatCommandsOptions) {}

  /** The answer to `/tether <input>` from `user` (called `userName` there). */
  async run(input: string, user: string, userName: string): Promise<string> {
    const f = this.o.format;
    const [word = "help", ...rest] = input.trim().split(/\s+/);
    const args = input.trim().slice(word.length).trim();
    const { actions } = this.o;
    if (word.toLowerCase() === "pair") {
      const outcome = await actions.pair(args, { id: user, name: userName });
      return this.pairReply(outcome);
    }
    if (!actions.allowed(user)) return this.notAllowed();
    this.o.seen(user, userName);
    switch (word.toLowerCase()) {
      case "sessions":
      case "status":
        return rest.length > 0 ? this.status(args) : this.list();
      case "interrupt": {
        const sessionId = this.find(args);
        if (sessionId === undefined) {
          return `No open session matches "${f.text(args)}". ${this.usage()}`;
        }
        const outcome = await actions.interrupt(sessionId, user);
        return "session" in outcome
          ? `Interrupting ${f.bold(f.text(outcome.session.name))}…`
          : f.text(outcome.problem);
      }
      case "new": {
        const outcome = await actions.startSession(args, user);
        return "session" in outcome
          ? `Started ${f.bold(f.text(outcome.session.name))}: it gets its own thread in the channel.`
          : f.text(outcome.problem);
      }
      default:
        return this.usage();
    }
  }

  /** What someone who may not answer is told. */
  notAllowed(): string {
    const f = this.o.format;
    return this.o.actions.pairing
      ? `You may not answer Tether's agents here yet: ask whoever runs Tether for a pairing code (${f.code(`tether bridges pair ${this.o.platform}`)}), then send ${f.code("/tether pair <code>")}.`
      : `You may not answer Tether's agents here: only the people in this Tether's ${this.o.platform.toUpperCase()}_ALLOWED_USER_IDS may.`;
  }

  usage(): string {
    const f = this.o.format;
    return [
      `${f.bold("Tether")}: each session of your agents has a thread here; reply in it to answer its agent.`,
      `${f.code("/tether sessions")}: the open sessions`,
      `${f.code("/tether status <session>")}: one of them`,
      `${f.code("/tether interrupt <session>")}: stop its agent's current turn`,
      `${f.code("/tether new <prompt>")}: start a session (in TETHER_DEFAULT_DIR)`,
      `${f.code("/tether pair <code>")}: allow yourself to answer (a code from ${f.code(`tether bridges pair ${this.o.platform}`)})`,
    ].join("\n");
  }

  private pairReply(outcome: Awaited<ReturnType<ChatActions["pair"]>>): string {
    const f = this.o.format;
    switch (outcome) {
      case "paired":
        return "Paired: you may now answer Tether's agents here.";
      case "already":
        return "You may answer here already.";
      case "off":
        return `Pairing is off: this Tether takes answers from the users in ${f.code(`${this.o.platform.toUpperCase()}_ALLOWED_USER_IDS`)}.`;
      case "refused":
        return `That code is not valid (each works once, for a limited time). Run ${f.code(`tether bridges pair ${this.o.platform}`)} for a new one.`;
    }
  }

  private list(): string {
    const f = this.o.format;
    const sessions = this.o.actions.openSessions();
    if (sessions.length === 0) {
      return `No sessions are open. ${f.code("/tether new <prompt>")} starts one.`;
    }
    const lines = sessions.slice(0, MAX_LISTED).map((s) => `• ${this.line(s)}`);
    if (sessions.length > MAX_LISTED) lines.push(`… and ${sessions.length - MAX_LISTED} more`);
    return `${f.bold("Sessions")}\n${lines.join("\n")}`;
  }

  private line(s: Session): string {
    const f = this.o.format;
    const link = this.o.sessionLink(s.id);
    const name = link ? f.link(link, s.name) : f.bold(f.text(s.name));
    return `${name} (${f.text(s.kind)}): ${s.state.replace(/_/g, " ")}`;
  }

  private async status(query: string): Promise<string> {
    const f = this.o.format;
    const sessionId = this.find(query);
    if (sessionId === undefined) return `No open session matches "${f.text(query)}".`;
    const s = this.o.engine.getSessionById(sessionId);
    const pending = await this.o.actions.pendingCount(sessionId);
    const lines = [this.line(s)];
    if (s.directory) lines.push(f.code(s.directory));
    if (s.error) lines.push(`${f.warning} ${f.text(s.error)}`);
    lines.push(
      pending === 0
        ? "Nothing waits for you."
        : `${pending === 1 ? "1 question waits" : `${pending} questions wait`} for you in its thread.`,
    );
    return lines.join("\n");
  }

  /** An open session by its id, or by (the start of) its name; with no query, the only one. */
  private find(query: string): string | undefined {
    const open = this.o.actions.openSessions();
    const q = query.trim().toLowerCase();
    if (q === "") return open.length === 1 ? open[0]!.id : undefined;
    return (
      open.find((s) => s.id === query.trim()) ??
      open.find((s) => s.name.toLowerCase() === q) ??
      open.find((s) => s.name.toLowerCase().startsWith(q))
    )?.id;
  }
}
