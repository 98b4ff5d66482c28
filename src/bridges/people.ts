// How the people who answer on each platform are called, shared by every bridge: when Ada
// answers on Telegram, Slack's copy of the approval says "@ada (on Telegram)" too, not
// "Telegram user 1001". A bridge tells what it sees (a press, a message, a pairing); paired
// users' stored names fill in before anyone has been seen since a restart.
import { describeActor } from "./actor-label.js";

export class PeopleNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly stored: (platform: string, userId: string) => string | undefined) {}

  seen(platform: string, userId: string, name: string): void {
    if (name.trim() !== "") this.names.set(`${platform}:${userId}`, name);
  }

  nameOf(platform: string, userId: string): string | undefined {
    return this.names.get(`${platform}:${userId}`) ?? this.stored(platform, userId);
  }

  /** A decided_by / sender / by label said for a person, as plain text. */
  describe(label: string): string {
    return describeActor(label, (platform, userId) => this.nameOf(platform, userId));
  }
}
