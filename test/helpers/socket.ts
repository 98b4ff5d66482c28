// A WebSocket client for tests that queues incoming JSON messages and lets a test wait for one.
import WebSocket from "ws";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON messages
export type Message = any;

export class TestSocket {
  readonly ws: WebSocket;
  readonly received: Message[] = [];
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on("message", (raw) => {
      this.received.push(JSON.parse(raw.toString()));
      for (const w of this.waiters) w();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
      this.ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        // With this listener, ws leaves the refused connection to us: drop it so `closed` settles.
        this.ws.terminate();
      });
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.closed.then(() => {
      for (const w of this.waiters) w();
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const s = new TestSocket(url, headers);
    await s.opened;
    return s;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits for the first message (after those already taken) matching `predicate`, and takes it. */
  async next(
    predicate: (m: Message) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(predicate);
      if (index >= 0) return this.received.splice(index, 1)[0];
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error("socket closed while waiting");
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received).slice(0, 500)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        const self = this;
        function done() {
          clearTimeout(timer);
          self.waiters.delete(done);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    return this.closed;
  }
}
