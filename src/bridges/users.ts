// The users of one platform's bridge who paired with a code: read from the store once at start
// and kept in memory, because a bridge asks isPaired for every click and message. Pairing writes
// to the store before it answers; revoking takes effect in memory at once, then on disk.
import type { Logger } from "pino";
import type { BridgeUserStore } from "../core/store.js";
import type { IssuedCode, PairingCodes } from "./pairing-codes.js";
import type { BridgeUser, BridgeUsers } from "./types.js";

/** A platform's display name for a user is theirs to choose; this much is kept. */
const MAX_NAME_CHARS = 200;

export class PairedUsers implements BridgeUsers {
  private constructor(
    readonly platform: string,
    private readonly store: BridgeUserStore,
    private readonly codes: PairingCodes,
    private readonly log: Logger,
    private readonly users: Map<string, BridgeUser>,
  ) {}

  static async load(
    platform: string,
    store: BridgeUserStore,
    codes: PairingCodes,
    log: Logger,
  ): Promise<PairedUsers> {
    const users = new Map((await store.list(platform)).map((u) => [u.user_id, u]));
    return new PairedUsers(platform, store, codes, log, users);
  }

  isPaired(userId: string): boolean {
    return this.users.has(userId);
  }

  async pair(code: string, user: { id: string; name: string }): Promise<boolean> {
    const outcome = this.codes.redeem(code);
    if (outcome !== "ok") {
      // Never the code: a near miss would give most of a real one away.
      this.log.warn(
        { user_id: user.id },
        outcome === "voided"
          ? `too many wrong pairing codes: every ${this.platform} pairing code is void; make a new one with \`tether bridges pair ${this.platform}\``
          : "a /pair with a code that is wrong, spent or expired; nothing changed",
      );
      return false;
    }
    const kept = this.users.get(user.id);
    const paired: BridgeUser = {
      platform: this.platform,
      user_id: user.id,
      name: user.name.slice(0, MAX_NAME_CHARS),
      paired_at: kept?.paired_at ?? new Date().toISOString(),
    };
    // The code is spent even if this write fails: a code is good for one try at pairing.
    await this.store.add(paired);
    this.users.set(user.id, paired);
    this.log.info({ user_id: user.id }, "a user paired with a one-time code");
    return true;
  }

  /** Oldest first. */
  /** How a paired user is called, as they were when they paired. */
  nameOf(userId: string): string | undefined {
    return this.users.get(userId)?.name;
  }

  list(): BridgeUser[] {
    return [...this.users.values()]
      .sort((a, b) => (a.paired_at < b.paired_at ? -1 : a.paired_at > b.paired_at ? 1 : 0))
      .map((u) => ({ ...u }));
  }

  count(): number {
    return this.users.size;
  }

  /** The user may no longer answer, from now on; true when they were paired. */
  async revoke(userId: string): Promise<boolean> {
    const known = this.users.delete(userId);
    // On disk too, even when memory did not know them: the store is what a restart reads.
    const stored = await this.store.remove(this.platform, userId);
    if (known || stored) this.log.info({ user_id: userId }, "a paired user was revoked");
    return known || stored;
  }

  /** A new code for `/pair`. */
  issueCode(): IssuedCode {
    return this.codes.issue();
  }
}
