import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { z } from "zod";
import { TetherError } from "../../core/errors.js";
import type { StreamSink } from "../../core/follow.js";
import { isTooLargeParams } from "../../shared/schemas.js";
import { toTetherError, validationError } from "../errors.js";
import { assertShallow } from "../json-depth.js";

/** Close codes: 4000 + the HTTP status it stands for. */
export const CLOSE = { notFound: 4404, cutOff: 4408 } as const;

/** A socket whose peer lets this much pile up unsent is cut off; it resumes by seq. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Sends one text frame. */
export type Send = (text: string) => void;

/**
 * A Send that holds the connection's writes until the current burst of microtasks is over, so
 * the frames one commit produces for a socket (its events, then the replies to its callers,
 * each sent from its own continuation) leave in one write instead of a syscall each.
 * `transport` is the TCP socket under `socket` (the upgrade request's socket).
 */
export function burstSender(socket: WebSocket, transport: Duplex): Send {
  let held = false;
  const release = () => {
    held = false;
    transport.uncork();
  };
  return (text) => {
    if (!held) {
      held = true;
      transport.cork();
      queueMicrotask(release);
    }
    socket.send(text);
  };
}

/**
 * Handles each incoming message as it arrives, and sends the frames each handling produced in
 * the order the messages arrived: a quick error for message 3 waits for the ack of message 2.
 * `handle` never rejects; it turns its errors into error frames.
 *
 * Replies that are ready go out from the continuation that made them ready, not from a promise
 * chain a hop per message: a commit that answers a hundred messages then sends their acks in the
 * same burst of microtasks, so burstSender writes them in one syscall.
 */
export function inOrder(
  socket: WebSocket,
  send: Send,
  handle: (raw: Buffer) => Promise<string[]>,
): void {
  const waiting: (string[] | undefined)[] = [];
  let head = 0;
  const flush = () => {
    while (head < waiting.length && waiting[head] !== undefined) {
      const frames = waiting[head]!;
      waiting[head++] = undefined;
      if (socket.readyState === socket.OPEN) for (const text of frames) send(text);
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    }
  };
  socket.on("message", (raw) => {
    const slot = waiting.length;
    waiting.push(undefined);
    void handle(raw as Buffer).then((frames) => {
      waiting[slot] = frames;
      flush();
    });
  });
}

export function sendError(send: Send, error: unknown, id?: string) {
  const e = error instanceof TetherError ? error : toTetherError(error as Error);
  send(JSON.stringify({ type: "error", ...(id ? { id } : {}), ...e.toBody() }));
}

/** Parses one incoming frame against `schema`; answers an error frame and returns undefined
 * when it does not fit. The connection stays open: one bad message is not worth a reconnect. */
export function parseFrame<T extends z.ZodType>(
  send: Send,
  raw: Buffer | ArrayBuffer | Buffer[],
  schema: T,
): z.infer<T> | undefined {
  let json: unknown;
  const text = raw.toString();
  try {
    assertShallow(text, "message");
  } catch (error) {
    sendError(send, error);
    return undefined;
  }
  try {
    json = JSON.parse(text);
  } catch {
    sendError(send, new TetherError("invalid_json", "message is not valid JSON"));
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const id = (json as { id?: unknown } | null)?.id;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.join(".") || "message",
    message:
      issue.code === "invalid_union" && issue.path.join(".") === "type"
        ? unknownTypeMessage((json as { type?: unknown }).type, issue)
        : issue.message,
    tooLarge: issue.code === "custom" && isTooLargeParams(issue.params),
  }));
  const error = validationError(issues, "message: is invalid");
  sendError(
    send,
    new TetherError(error.code, error.message, { details: { issues: parsed.error.issues } }),
    typeof id === "string" ? id : undefined,
  );
  return undefined;
}

function unknownTypeMessage(type: unknown, issue: z.core.$ZodIssue): string {
  // A discriminated union's issue lists the types it knows.
  const known = (issue as { options?: unknown[] }).options?.join(", ") ?? "see the docs";
  const what = type === undefined ? "missing" : `unknown message type ${JSON.stringify(type)}`;
  return `${what}; expected one of: ${known}`;
}

/** A StreamSink over a WebSocket; `send` writes a frame to it. */
export function socketSink(socket: WebSocket, send: Send): StreamSink {
  return {
    get closed() {
      return socket.readyState !== socket.OPEN;
    },
    sendPage(frames) {
      return new Promise((resolve) => {
        if (frames.length === 0) return resolve();
        for (let i = 0; i < frames.length - 1; i++) send(frames[i]!.text);
        // The callback fires once the last frame is flushed, i.e. the transport took the page.
        socket.send(frames[frames.length - 1]!.text, () => resolve());
      });
    },
    sendLive(frame) {
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
      send(frame.text);
      return true;
    },
    cutOff(resumeAfter) {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify({ type: "cutoff", data: { resume_after: resumeAfter } }));
      socket.close(CLOSE.cutOff, `too slow; reconnect with since_seq=${resumeAfter}`);
    },
  };
}
