// What a bridge does when its platform is not ready at start: a problem the user must fix comes
// as a SetupProblem (one line naming it; `fixable` when Slack or Discord can fix it without a
// restart), and the set-up is tried again, with a pause that doubles up to a minute, until it
// works or the bridge stops.
import type { Wakeable } from "../shared/wakeable.js";

export class SetupProblem extends Error {
  constructor(
    message: string,
    readonly fixable: boolean,
  ) {
    super(message);
  }
}

export const SETUP_RETRY = { firstMs: 1000, maxMs: 60_000 };

/** Runs `attempt` until it succeeds or `stopped()`; after each failure (given to `failed`) waits
 * on `waker`, which a stop pokes. With `waitFirst`, it waits before the first attempt too (the
 * caller just failed one). */
export async function retryWithBackoff(o: {
  attempt: () => Promise<void>;
  failed: (error: unknown) => void;
  stopped: () => boolean;
  waker: Wakeable;
  waitFirst?: boolean;
  maxMs?: number;
}): Promise<void> {
  const maxMs = o.maxMs ?? SETUP_RETRY.maxMs;
  let waitMs = SETUP_RETRY.firstMs;
  if (o.waitFirst) {
    await o.waker.wait(waitMs);
    waitMs = Math.min(waitMs * 2, maxMs);
  }
  while (!o.stopped()) {
    try {
      await o.attempt();
      return;
    } catch (error) {
      if (o.stopped()) return;
      o.failed(error);
      await o.waker.wait(waitMs);
      waitMs = Math.min(waitMs * 2, maxMs);
    }
  }
}
