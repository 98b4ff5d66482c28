// withTimeout bounds a wait even when the garbage collector runs in between: a timeout signal
// held only by AbortSignal.any is lost to a collection on Node 20 and never fires.
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { withTimeout } from "../../dist/shared/timeout-signal.js";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) =>
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true }),
  );

it("times out after a garbage collection too", async () => {
  const signal = withTimeout(new AbortController().signal, 200);
  const reason = aborted(signal);
  // Once the call's own frame is gone, as in any wait that outlives the call.
  await sleep(10);
  collectGarbage();
  expect(((await reason) as Error).name).toBe("TimeoutError");
});

it("aborts with the outer signal, before the timeout", async () => {
  const outer = new AbortController();
  const signal = withTimeout(outer.signal, 60_000);
  outer.abort(new Error("gone"));
  expect(signal.aborted).toBe(true);
  expect((signal.reason as Error).message).toBe("gone");
});
