// deadline(): a wait bounded by a signal and a time limit that still ends after a garbage
// collection. AbortSignal.any([signal, AbortSignal.timeout(ms)]) does not on Node 20
// (nodejs/node#57736): a Stop hook held for its whole bound instead of the configured seconds.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { deadline } from "../../dist/shared/deadline.js";
import { waitFor } from "../helpers/wait.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("deadline", () => {
  it("aborts with a TimeoutError at the limit, also when a garbage collection came first", async () => {
    const bounded = deadline(new AbortController().signal, 200);
    // Collected after this call's own frame is gone, as in a long wait.
    await new Promise((r) => setImmediate(r));
    gc();
    await waitFor(() => bounded.signal.aborted, { timeoutMs: 3000, what: "the limit" });
    expect((bounded.signal.reason as Error).name).toBe("TimeoutError");
  });

  it("aborts with the caller's signal, and clear() ends the timer", async () => {
    const caller = new AbortController();
    const bounded = deadline(caller.signal, 100);
    bounded.clear();
    caller.abort(new Error("the client went away"));
    expect(bounded.signal.aborted).toBe(true);
    expect((bounded.signal.reason as Error).message).toBe("the client went away");
    const cleared = deadline(new AbortController().signal, 50);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 150));
    expect(cleared.signal.aborted).toBe(false);
  });
});
