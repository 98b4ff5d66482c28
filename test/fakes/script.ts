// How a fake model server picks its reply to a turn: a test's own handler first, then the first
// `when` rule whose trigger is in the user's text (used once), then the fake's default. Rules
// apply to fresh user messages only; a follow-up after a tool result gets the default.
export interface ScriptedTurn {
  userText: string;
}

export class ReplyScript<Turn extends ScriptedTurn, Reply> {
  private readonly rules: { trigger: string | RegExp; reply: Reply }[] = [];
  private handler: ((turn: Turn) => Reply | undefined) | undefined;

  constructor(
    private readonly fallback: (turn: Turn) => Reply,
    private readonly isFollowUp: (turn: Turn) => boolean,
  ) {}

  when(trigger: string | RegExp, reply: Reply): void {
    this.rules.push({ trigger, reply });
  }

  script(handler: (turn: Turn) => Reply | undefined): void {
    this.handler = handler;
  }

  choose(turn: Turn): Reply {
    const scripted = this.handler?.(turn);
    if (scripted) return scripted;
    if (!this.isFollowUp(turn)) {
      const index = this.rules.findIndex(({ trigger }) =>
        typeof trigger === "string" ? turn.userText.includes(trigger) : trigger.test(turn.userText),
      );
      if (index >= 0) return this.rules.splice(index, 1)[0]!.reply;
    }
    return this.fallback(turn);
  }
}
