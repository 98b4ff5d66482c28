// A user service manager (systemd on Linux, launchd on macOS), as `tether service` needs it:
// where its file goes, what the file says, and the commands that load, start and stop it.
import type { Runner } from "./run.js";
import type { ServiceSpec } from "./spec.js";

export interface Step {
  command: string;
  args: string[];
  /** May fail without the whole command failing (e.g. stopping what is not running). */
  optional?: boolean;
}

export interface ServiceManager {
  /** "systemd" or "launchd". */
  name: string;
  /** Where the unit or plist goes. */
  file: string;
  render(spec: ServiceSpec): string;
  /** Whether its commands can run here; a reason when not (e.g. no user session). */
  available(run: Runner): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Load and start, after the file was written (`changed`) or found as it should be. */
  startSteps(changed: boolean): Step[];
  /** Stop and unload, before the file is removed. */
  stopSteps(): Step[];
  /** After the file is removed. */
  afterRemoveSteps(): Step[];
  /** One word or phrase on whether the service is running. */
  state(run: Runner): Promise<string>;
  /** Hints to print after install. */
  hints(): string[];
}
