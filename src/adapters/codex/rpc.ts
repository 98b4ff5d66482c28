// A small JSON-RPC client for `codex app-server`: newline-delimited JSON on stdio, JSON-RPC 2.0
// without the "jsonrpc" field. Three kinds of traffic: our requests (answered by id), the
// server's notifications, and the server's own requests (approvals), which must always get an
// answer, even for methods we do not know, or the agent waits forever.
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

export type RequestId = number | string;

/** JSON-RPC "method not found": what we answer to server requests we do not handle. */
export const METHOD_NOT_FOUND = -32601;

/** The server answered one of our requests with an error. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message}`);
  }
}

/** Throw this from a server-request handler to answer with a JSON-RPC error. */
export class RpcReply extends Error {
  override name = "RpcReply";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RpcHandlers {
  notification(method: string, params: unknown): void;
  /** Resolves to the result; rejects with RpcReply (or anything) to answer with an error. */
  request(method: string, params: unknown, id: RequestId): Promise<unknown>;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** One message as it arrives; which fields are present says what it is. */
interface WireMessage {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

export class RpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: Error | undefined;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly handlers: RpcHandlers,
  ) {
    createInterface({ input }).on("line", (line) => this.receive(line));
    // A write after the process died must not crash the daemon; close() reports the death.
    output.on("error", () => {});
  }

  request<T = unknown>(
    method: string,
    params: unknown,
    options: { timeoutMs?: number; parse?: (result: unknown) => T } = {},
  ): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`${method}: no answer from Codex within ${options.timeoutMs} ms`));
            }, options.timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (result) => {
          try {
            resolve(options.parse ? options.parse(result) : (result as T));
          } catch (error) {
            reject(new Error(`${method}: unexpected answer from Codex`, { cause: error }));
          }
        },
        reject,
        timer,
      });
      this.write({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /** Fails every request still waiting (the process is gone); later requests fail at once. */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(reason);
      this.pending.delete(id);
    }
  }

  private write(message: Record<string, unknown>): void {
    if (this.closedWith || this.output.writableEnded || this.output.destroyed) return;
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    if (!line.trim()) return;
    let message: WireMessage;
    try {
      message = JSON.parse(line) as WireMessage;
    } catch {
      // Not protocol (a stray log line): nothing to answer.
      return;
    }
    if (typeof message !== "object" || message === null) return;
    const { id, method } = message;
    const hasId = typeof id === "number" || typeof id === "string";
    if (typeof method === "string" && hasId) this.answer(id, method, message.params);
    else if (typeof method === "string") this.handlers.notification(method, message.params);
    else if (typeof id === "number") this.settle(id, message);
  }

  private settle(id: number, message: WireMessage): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (message.error) {
      const code = typeof message.error.code === "number" ? message.error.code : 0;
      const text = typeof message.error.message === "string" ? message.error.message : "error";
      pending.reject(new RpcError(pending.method, code, text));
    } else {
      pending.resolve(message.result);
    }
  }

  private answer(id: RequestId, method: string, params: unknown): void {
    let reply: Promise<unknown>;
    try {
      reply = this.handlers.request(method, params, id);
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
      (result) => this.write({ id, result: result ?? {} }),
      (error: unknown) => {
        const code = error instanceof RpcReply ? error.code : -32603;
        const message = error instanceof Error ? error.message : String(error);
        this.write({ id, error: { code, message } });
      },
    );
  }
}
