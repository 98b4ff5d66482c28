// Plumbing shared by the fake model servers: a node:http server on a free 127.0.0.1 port that
// can be closed even while agent CLIs hold keep-alive or streaming connections open, and an SSE
// writer that knows when the client has gone away.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HttpFake {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  close(): Promise<void>;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function startHttpFake(listener: RequestListener): Promise<HttpFake> {
  const server = createServer((req, res) => {
    Promise.resolve(listener(req, res)).catch((error: unknown) => {
      // A bug in a fake must fail loudly in the test output, not hang the agent on a half-open
      // response.
      console.error("fake server handler failed:", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Agents keep connections alive (and may be mid-stream); without this close() would
        // wait for them to time out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** One server-sent-events response. `closed` turns true as soon as the client disconnects, so
 * slow streams can stop instead of writing into a dead socket. */
export class SseStream {
  closed = false;
  private readonly onClose: (() => void)[] = [];

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    // `close` on the response fires both when we end it and when the peer drops the socket;
    // only the latter counts as a disconnect.
    res.on("close", () => {
      if (res.writableFinished) return;
      this.closed = true;
      for (const listener of this.onClose) listener();
    });
  }

  event(name: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  /** Resolves after `ms`, or early (with false) if the client disconnects meanwhile. */
  pause(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.closed), ms);
      this.onClose.push(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}
