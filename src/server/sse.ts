import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Frame, StreamSink } from "../core/follow.js";

/** A client that lets this much pile up unsent is cut off and resumes from its cursor. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export function openSse(
  res: ServerResponse,
  onClose: () => void,
): StreamSink & { send(name: string, data: unknown): void } {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 1000\n\n");
  const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
  };
  res.on("close", close);

  const frame = (f: Frame) => `id: ${f.seq}\ndata: ${f.text}\n\n`;
  return {
    get closed() {
      return closed;
    },
    async sendPage(frames) {
      let chunk = "";
      for (const f of frames) chunk += frame(f);
      if (!res.write(chunk) && !closed)
        await Promise.race([once(res, "drain"), once(res, "close")]);
    },
    sendLive(f) {
      if (res.writableLength > MAX_BUFFERED_BYTES) return false;
      res.write(frame(f));
      return true;
    },
    cutOff(resumeAfter) {
      if (closed) return;
      res.end(`event: cutoff\ndata: {"resume_after":${resumeAfter}}\n\n`);
    },
    send(name, data) {
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}
