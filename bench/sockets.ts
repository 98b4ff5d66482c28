// WebSocket client helpers: open one with a deadline, open many with bounded concurrency.
import WebSocket from "ws";

/** Opens a socket; `setup` runs before it opens, so listeners it attaches miss nothing. */
export function openSocket(
  url: string,
  timeoutMs = 10_000,
  setup?: (ws: WebSocket) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    setup?.(ws);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`open ${url}: timed out`));
    }, timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      ws.off("error", onError);
      // Errors after open end up as a close; keep them from being unhandled.
      ws.on("error", () => {});
      resolve(ws);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.once("error", onError);
  });
}

export interface OpenManyResult {
  sockets: WebSocket[];
  failed: number;
  firstError: string | undefined;
}

/** Opens `count` sockets, at most `concurrency` handshakes at a time, within `deadlineMs`.
 * `setup` runs on each socket before it opens (to attach listeners). */
export async function openMany(
  url: (i: number) => string,
  count: number,
  options: {
    concurrency?: number;
    deadlineMs?: number;
    setup?: (ws: WebSocket, i: number) => void;
  },
): Promise<OpenManyResult> {
  const { concurrency = 128, deadlineMs = 30_000 } = options;
  const deadline = performance.now() + deadlineMs;
  const sockets: WebSocket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        const setup = options.setup;
        const ws = await openSocket(
          url(i),
          Math.max(1, deadline - performance.now()),
          setup && ((s) => setup(s, i)),
        );
        sockets.push(ws);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { sockets, failed, firstError };
}

/** Drops every socket at once (no closing handshake). */
export function terminateAll(sockets: Iterable<WebSocket>): void {
  for (const ws of sockets) ws.terminate();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until true or `timeoutMs` passes; returns whether it held. */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  intervalMs = 5,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}
