// The daemon's parts close newest first, once, and one that fails to close does not keep the
// others open.
import { describe, expect, it } from "vitest";
import { Parts } from "../../dist/lifecycle.js";

/** A log that keeps its messages, as "debug: closed store". */
function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    debug: (_obj: object, msg: string) => lines.push(`debug: ${msg}`),
    error: (_obj: object, msg: string) => lines.push(`error: ${msg}`),
  };
}

describe("Parts", () => {
  it("closes in the reverse order the parts were added, and logs each", async () => {
    const log = recordingLog();
    const parts = new Parts(log);
    const closed: string[] = [];
    for (const name of ["store", "engine", "server"]) parts.add(name, () => closed.push(name));
    await parts.closeAll();
    expect(closed).toEqual(["server", "engine", "store"]);
    expect(log.lines).toEqual([
      "debug: closed server",
      "debug: closed engine",
      "debug: closed store",
    ]);
  });

  it("waits for each close before starting the next", async () => {
    const parts = new Parts(recordingLog());
    const events: string[] = [];
    parts.add("store", () => events.push("store"));
    parts.add("server", async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push("server");
    });
    await parts.closeAll();
    expect(events).toEqual(["server", "store"]);
  });

  it("closes each part once, however often and however concurrently it is asked", async () => {
    const parts = new Parts(recordingLog());
    let closes = 0;
    parts.add("store", async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      closes++;
    });
    const first = parts.closeAll();
    const second = parts.closeAll();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    await parts.closeAll();
    expect(closes).toBe(1);
  });

  it("a close that throws is logged, the rest still close, and closeAll says what failed", async () => {
    const log = recordingLog();
    const parts = new Parts(log);
    const closed: string[] = [];
    parts.add("store", () => closed.push("store"));
    parts.add("engine", () => {
      throw new Error("engine stuck");
    });
    parts.add("notifications", async () => {
      throw new Error("queue stuck");
    });
    parts.add("server", () => closed.push("server"));
    const closing = parts.closeAll();
    await expect(closing).rejects.toThrow(
      "closing notifications failed: queue stuck; closing engine failed: engine stuck",
    );
    expect(closed).toEqual(["server", "store"]);
    expect(log.lines).toEqual([
      "debug: closed server",
      "error: closing notifications failed; closing the rest",
      "error: closing engine failed; closing the rest",
      "debug: closed store",
    ]);
    // Asking again gets the same answer, and closes nothing again.
    await expect(parts.closeAll()).rejects.toBeInstanceOf(AggregateError);
    expect(closed).toEqual(["server", "store"]);
  });

  it("refuses a part opened once closing began, rather than leave it open", async () => {
    const parts = new Parts(recordingLog());
    await parts.closeAll();
    expect(() => parts.add("late", () => {})).toThrow("late was opened after");
  });
});
