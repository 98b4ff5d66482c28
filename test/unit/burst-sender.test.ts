// Frames sent to one WebSocket in the same burst of microtasks leave in one write: the TCP
// socket is corked for the burst, in order, and always uncorked again.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { burstSender } from "../../dist/server/ws/socket-io.js";

/** Enough of a WebSocket for burstSender: each frame is written to the transport. */
function fakeSocket(transport: PassThrough): WebSocket {
  return { send: (text: string) => transport.write(`${text}\n`) } as unknown as WebSocket;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("burstSender", () => {
  it("holds the frames of one burst and releases them together, in order", async () => {
    const transport = new PassThrough();
    const writes: string[] = [];
    transport.on("data", (chunk: Buffer) => writes.push(chunk.toString()));
    const send = burstSender(fakeSocket(transport), transport);

    send("a");
    await Promise.resolve();
    send("b"); // a continuation of the same burst
    expect(transport.writableCorked).toBe(1);
    await tick();

    expect(transport.writableCorked).toBe(0);
    expect(writes.join("")).toBe("a\nb\n");
  });

  it("corks again for the next burst", async () => {
    const transport = new PassThrough();
    transport.resume();
    const send = burstSender(fakeSocket(transport), transport);
    send("first");
    await tick();
    expect(transport.writableCorked).toBe(0);
    send("second");
    expect(transport.writableCorked).toBe(1);
    await tick();
    expect(transport.writableCorked).toBe(0);
  });
});
