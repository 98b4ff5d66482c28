// replayThenFollow, the primitive under every stream, against a bus and a fake disk: events seen
// both in the replay and live are sent once in seq order, and a client cut off is sent nothing
// after its cutoff.
import { describe, expect, it } from "vitest";
import { LocalBus } from "../../dist/bus/bus.js";
import { type Frame, replayThenFollow, type StreamSink } from "../../dist/core/follow.js";
import { eventJson, type StoredEvent } from "../../dist/core/store.js";

const SESSION = "sess_follow";

function event(seq: number): StoredEvent {
  const base = { session_id: SESSION, seq, ts: new Date(0).toISOString(), type: "output" as const };
  const data = { text: `event ${seq}`, metadata: {} };
  return { ...base, data, json: eventJson(base, JSON.stringify(data)) };
}

/** A disk of `count` events, read `pageSize` at a time; `onRead` runs before each read. */
function disk(count: number, pageSize: number, onRead: (afterSeq: number) => void = () => {}) {
  const events = Array.from({ length: count }, (_, i) => event(i + 1));
  return {
    events,
    readPage: async (afterSeq: number): Promise<Frame[]> => {
      onRead(afterSeq);
      return events
        .filter((e) => e.seq > afterSeq)
        .slice(0, pageSize)
        .map((e) => ({ seq: e.seq, text: e.json }));
    },
  };
}

function recordingSink(liveRoom = Number.POSITIVE_INFINITY) {
  const sent: number[] = [];
  const cutOffs: number[] = [];
  const sink: StreamSink = {
    // Stays open after a cutoff, as an SSE response does until its close event.
    closed: false,
    async sendPage(frames) {
      for (const f of frames) sent.push(f.seq);
    },
    sendLive(frame) {
      if (sent.length >= liveRoom) return false;
      sent.push(frame.seq);
      return true;
    },
    cutOff(resumeAfter) {
      cutOffs.push(resumeAfter);
    },
  };
  return { sink, sent, cutOffs };
}

describe("replayThenFollow", () => {
  it("sends each event once, in seq order, when live events overlap the replay", async () => {
    const bus = new LocalBus();
    const { events, readPage } = disk(10, 3, (after) => {
      // Committed while the replay runs: on disk, and published.
      if (after === 5) {
        events.push(event(11), event(12));
        bus.publish([event(11), event(12)]);
      }
    });
    const { sink, sent } = recordingSink();
    const stop = await replayThenFollow(
      bus,
      { sessionId: SESSION, afterSeq: 2, readPage, toFrame: (e) => ({ seq: e.seq, text: e.json }) },
      sink,
    );
    bus.publish([event(12), event(13)]);
    stop();
    bus.publish([event(14)]);
    expect(sent).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("sends nothing after cutting off a client that held too much during its replay", async () => {
    const bus = new LocalBus();
    let published = false;
    const { readPage } = disk(10, 2, () => {
      if (published) return;
      published = true;
      bus.publish([event(11), event(12), event(13)]);
    });
    const { sink, sent, cutOffs } = recordingSink();
    await replayThenFollow(
      bus,
      {
        sessionId: SESSION,
        afterSeq: 0,
        hold: { events: 2, chars: Number.POSITIVE_INFINITY },
        readPage,
        toFrame: (e) => ({ seq: e.seq, text: e.json }),
      },
      sink,
    );
    bus.publish([event(14)]);
    expect(cutOffs).toEqual([0]);
    expect(sent).toEqual([]);
    expect(bus.subscriberCount).toBe(0);
  });

  it("cuts off a client whose buffer is full, once, with where to resume", async () => {
    const bus = new LocalBus();
    const { readPage } = disk(3, 10);
    const { sink, sent, cutOffs } = recordingSink(5);
    await replayThenFollow(
      bus,
      { sessionId: SESSION, afterSeq: 0, readPage, toFrame: (e) => ({ seq: e.seq, text: e.json }) },
      sink,
    );
    bus.publish([event(4), event(5), event(6), event(7)]);
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(cutOffs).toEqual([5]);
    expect(bus.subscriberCount).toBe(0);
  });
});
