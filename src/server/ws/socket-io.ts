import type { WebSocket } from "ws";
import type { z } from "zod";
import { TetherError } from "../../core/errors.js";
import { toTetherError } from "../errors.js";
import type { StreamSink } from "../stream.js";

/** Close codes: 4000 + the HTTP status it stands for. */
export const CLOSE = { notFound: 4404, cutOff: 4408, conflict: 4409 } as const;

/** A socket whose peer lets this much pile up unsent is cut off; it resumes by seq. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function sendError(socket: WebSocket, error: unknown, id?: string) {
  const e = error instanceof TetherError ? error : toTetherError(error as Error);
  socket.send(JSON.stringify({ type: "error", ...(id ? { id } : {}), ...e.toBody() }));
}

/** Parses one incoming frame against `schema`; answers an error frame and returns undefined
 * when it does not fit. The connection stays open: one bad message is not worth a reconnect. */
export function parseFrame<T extends z.ZodType>(
  socket: WebSocket,
  raw: Buffer | ArrayBuffer | Buffer[],
  schema: T,
): z.infer<T> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    sendError(socket, new TetherError("invalid_json", "message is not valid JSON"));
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const id = (json as { id?: unknown } | null)?.id;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join(".") || "message";
  const message =
    issue?.code === "invalid_union" && path === "type"
      ? unknownTypeMessage((json as { type?: unknown }).type, issue)
      : `${path}: ${issue?.message ?? "is invalid"}`;
  sendError(
    socket,
    new TetherError("validation_failed", message, { details: { issues: parsed.error.issues } }),
    typeof id === "string" ? id : undefined,
  );
  return undefined;
}

function unknownTypeMessage(type: unknown, issue: z.core.$ZodIssue): string {
  // A discriminated union's issue lists the types it knows.
  const known = (issue as { options?: unknown[] }).options?.join(", ") ?? "see the docs";
  const what = type === undefined ? "missing" : `unknown message type ${JSON.stringify(type)}`;
  return `type: ${what}; expected one of: ${known}`;
}

/** A StreamSink over a WebSocket. */
export function socketSink(socket: WebSocket): StreamSink {
  return {
    get closed() {
      return socket.readyState !== socket.OPEN;
    },
    sendPage(frames) {
      return new Promise((resolve) => {
        if (frames.length === 0) return resolve();
        for (let i = 0; i < frames.length - 1; i++) socket.send(frames[i]!.text);
        socket.send(frames[frames.length - 1]!.text, () => resolve());
      });
    },
    sendLive(frame) {
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
      socket.send(frame.text);
      return true;
    },
    cutOff(resumeAfter) {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify({ type: "cutoff", data: { resume_after: resumeAfter } }));
      socket.close(CLOSE.cutOff, `too slow; reconnect with since_seq=${resumeAfter}`);
    },
  };
}
