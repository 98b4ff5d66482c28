// The in-process bus: committed events reach the subscribers that asked for them, in order, and
// a subscriber that cannot keep up is cut off once without slowing anyone else.
import { describe, expect, it } from "vitest";
import { LocalBus, type Subscriber } from "../../dist/bus/bus.js";
import type { StoredEvent } from "../../dist/core/store.js";
import type { EventType } from "../../dist/shared/schemas.js";

function event(sessionId: string, seq: number, type: EventType = "output"): StoredEvent {
  const base = {
    session_id: sessionId,
    seq,
    ts: new Date(0).toISOString(),
    type,
    data: { n: seq },
  };
  // The bus never reads an event's data: any data stands for every type's.
  return { ...base, json: JSON.stringify(base) } as unknown as StoredEvent;
}

interface Recorder extends Subscriber {
  got: StoredEvent[];
  cutOffs: StoredEvent[];
}

/** A subscriber that records what it receives; `accept` decides whether its queue has room. */
function recorder(
  options: { sessionId?: string; types?: string[]; accept?: (e: StoredEvent) => boolean } = {},
): Recorder {
  const got: StoredEvent[] = [];
  const cutOffs: StoredEvent[] = [];
  return {
    ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
    ...(options.types === undefined ? {} : { types: new Set(options.types) }),
    got,
    cutOffs,
    deliver(e) {
      if (options.accept && !options.accept(e)) return false;
      got.push(e);
      return true;
    },
    cutOff(refused) {
      cutOffs.push(refused);
    },
  };
}

const keys = (events: StoredEvent[]) => events.map((e) => `${e.session_id}:${e.seq}`);

describe("LocalBus", () => {
  it("says who threw and why when a subscriber's deliver throws, drops it, and others carry on", () => {
    const reported: { name: string; error: unknown; seq: number }[] = [];
    const bus = new LocalBus({
      onSubscriberError: (name, error, e) => reported.push({ name, error, seq: e.seq }),
    });
    const broken = new Error("the bridge lost its mind");
    const cutOffs: number[] = [];
    bus.subscribe({
      name: "bridge:telegram",
      deliver: (e) => {
        if (e.seq === 2) throw broken;
        return true;
      },
      cutOff: (refused) => cutOffs.push(refused.seq),
    });
    const other = recorder();
    bus.subscribe(other);

    bus.publish([event("sess_a", 1), event("sess_a", 2), event("sess_a", 3)]);

    expect(reported).toEqual([{ name: "bridge:telegram", error: broken, seq: 2 }]);
    expect(cutOffs).toEqual([2]);
    expect(keys(other.got)).toEqual(["sess_a:1", "sess_a:2", "sess_a:3"]);
    expect(bus.subscriberCount).toBe(1);
  });

  it("delivers an event to its session's subscribers and to global ones, not to others", () => {
    const bus = new LocalBus();
    const a = recorder({ sessionId: "sess_a" });
    const b = recorder({ sessionId: "sess_b" });
    const all = recorder();
    bus.subscribe(a);
    bus.subscribe(b);
    bus.subscribe(all);

    bus.publish([event("sess_a", 1), event("sess_b", 1), event("sess_a", 2)]);

    expect(keys(a.got)).toEqual(["sess_a:1", "sess_a:2"]);
    expect(keys(b.got)).toEqual(["sess_b:1"]);
    expect(keys(all.got)).toEqual(["sess_a:1", "sess_b:1", "sess_a:2"]);
  });

  it("applies type filters, for session and global subscribers alike", () => {
    const bus = new LocalBus();
    const states = recorder({ types: ["state", "approval_request"] });
    const sessionOutput = recorder({ sessionId: "sess_a", types: ["output"] });
    bus.subscribe(states);
    bus.subscribe(sessionOutput);

    bus.publish([
      event("sess_a", 1, "state"),
      event("sess_a", 2, "output"),
      event("sess_b", 1, "approval_request"),
      event("sess_b", 2, "output"),
      event("sess_a", 3, "usage"),
    ]);

    expect(keys(states.got)).toEqual(["sess_a:1", "sess_b:1"]);
    expect(keys(sessionOutput.got)).toEqual(["sess_a:2"]);
  });

  it("keeps publication order across and within batches", () => {
    const bus = new LocalBus();
    const one = recorder({ sessionId: "sess_a" });
    const all = recorder();
    bus.subscribe(one);
    bus.subscribe(all);
    const published: StoredEvent[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: 50 }, (_, i) => event("sess_a", batch * 50 + i + 1));
      published.push(...events);
      bus.publish(events);
    }
    expect(one.got.map((e) => e.seq)).toEqual(published.map((e) => e.seq));
    expect(all.got).toEqual(published);
  });

  it("cuts a slow subscriber off exactly once, with the refused event, and removes it", () => {
    const bus = new LocalBus();
    const slow = recorder({ sessionId: "sess_a", accept: (e) => e.seq < 3 });
    const slowGlobal = recorder({ accept: (e) => e.seq < 2 });
    const fastSession = recorder({ sessionId: "sess_a" });
    const fastGlobal = recorder();
    for (const s of [slow, slowGlobal, fastSession, fastGlobal]) bus.subscribe(s);
    expect(bus.subscriberCount).toBe(4);

    const events = Array.from({ length: 10 }, (_, i) => event("sess_a", i + 1));
    bus.publish(events.slice(0, 5));
    bus.publish(events.slice(5));

    expect(slow.got.map((e) => e.seq)).toEqual([1, 2]);
    expect(slow.cutOffs.map((e) => e.seq)).toEqual([3]);
    expect(slowGlobal.got.map((e) => e.seq)).toEqual([1]);
    expect(slowGlobal.cutOffs.map((e) => e.seq)).toEqual([2]);
    // Everyone else still got every event, in order.
    expect(fastSession.got).toEqual(events);
    expect(fastGlobal.got).toEqual(events);
    expect(bus.subscriberCount).toBe(2);
  });

  it("treats a subscriber whose deliver throws as refusing the event", () => {
    const bus = new LocalBus();
    const cutOffs: StoredEvent[] = [];
    let calls = 0;
    bus.subscribe({
      deliver() {
        calls++;
        throw new Error("boom");
      },
      cutOff: (e) => cutOffs.push(e),
    });
    const other = recorder();
    bus.subscribe(other);

    bus.publish([event("sess_a", 1), event("sess_a", 2)]);

    expect(calls).toBe(1);
    expect(cutOffs.map((e) => e.seq)).toEqual([1]);
    expect(other.got.map((e) => e.seq)).toEqual([1, 2]);
    expect(bus.subscriberCount).toBe(1);
  });

  it("stops delivering after unsubscribe, and unsubscribing twice or after a cut-off is harmless", () => {
    const bus = new LocalBus();
    const a = recorder({ sessionId: "sess_a" });
    const all = recorder();
    const slow = recorder({ accept: () => false });
    const offA = bus.subscribe(a);
    const offAll = bus.subscribe(all);
    const offSlow = bus.subscribe(slow);
    expect(bus.subscriberCount).toBe(3);

    bus.publish([event("sess_a", 1)]);
    expect(slow.cutOffs).toHaveLength(1);
    expect(bus.subscriberCount).toBe(2);
    offSlow();
    expect(bus.subscriberCount).toBe(2);

    offA();
    offA();
    expect(bus.subscriberCount).toBe(1);
    bus.publish([event("sess_a", 2)]);
    expect(a.got.map((e) => e.seq)).toEqual([1]);
    expect(all.got.map((e) => e.seq)).toEqual([1, 2]);

    offAll();
    expect(bus.subscriberCount).toBe(0);
    bus.publish([event("sess_a", 3)]);
    expect(all.got.map((e) => e.seq)).toEqual([1, 2]);
    expect(slow.cutOffs).toHaveLength(1);
  });

  it("lets a session subscribe again after its last subscriber left", () => {
    const bus = new LocalBus();
    const first = recorder({ sessionId: "sess_a" });
    bus.subscribe(first)();
    const second = recorder({ sessionId: "sess_a" });
    bus.subscribe(second);
    bus.publish([event("sess_a", 1)]);
    expect(first.got).toEqual([]);
    expect(second.got.map((e) => e.seq)).toEqual([1]);
    expect(bus.subscriberCount).toBe(1);
  });
});
