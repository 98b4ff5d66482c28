// The one error type for "the daemon cannot start, and here is what to do about it". Every
// expected start-up failure is one (the token file, the data dir, the database, the VAPID keys,
// the port, settings that contradict each other), so `tether start` prints its message as one
// line and shows a stack only for what nobody expected.
import type { ConfigKey } from "./config/schema.js";

export interface StartupErrorOptions extends ErrorOptions {
  /** The setting whose value is the problem, when one is. */
  setting?: ConfigKey | undefined;
  /** The settings themselves are wrong, not the machine: exits 2, like any bad setting. */
  badSetting?: boolean | undefined;
}

/** Start-up failed for a reason the user can fix; the message says how. */
export class StartupError extends Error {
  override name = "StartupError";
  /** The setting whose value is the problem, when one is: the CLI names it as the user gave
   * it (`--data-dir`, or TETHER_AGENT_DATA_DIR from the environment or config). */
  readonly setting: ConfigKey | undefined;
  readonly badSetting: boolean;

  constructor(message: string, options: StartupErrorOptions = {}) {
    super(message, options);
    this.setting = options.setting;
    this.badSetting = options.badSetting ?? false;
  }
}
