// The Codex JSON-RPC client over in-memory streams: requests settle by id, notifications and
// server requests reach their handlers, and no server request is ever left unanswered.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  METHOD_NOT_FOUND,
  RpcConnection,
  RpcError,
  type RpcHandlers,
  RpcReply,
} from "../../src/adapters/codex/rpc.js";
import { waitFor } from "../helpers/wait.js";

interface Wire {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A connection whose "server" side is the test: `sent` is what the client wrote, `push` is
 * what the server says. */
function connect(handlers: Partial<RpcHandlers> = {}) {
  const fromServer = new PassThrough();
  const toServer = new PassThrough();
  const sent: Wire[] = [];
  let buffer = "";
  toServer.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) sent.push(JSON.parse(line) as Wire);
  });
  const rpc = new RpcConnection(fromServer, toServer, {
    notification: handlers.notification ?? (() => {}),
    request:
      handlers.request ??
      (async (method) => {
        throw new RpcReply(METHOD_NOT_FOUND, `no ${method}`);
      }),
  });
  const push = (message: Wire | string) =>
    fromServer.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`);
  return { rpc, sent, push };
}

describe("Codex JSON-RPC client", () => {
  it("matches answers to requests by id, in any order", async () => {
    const { rpc, sent, push } = connect();
    const a = rpc.request("a", { x: 1 });
    const b = rpc.request("b", {});
    await waitFor(() => sent.length === 2);
    expect(sent[0]).toEqual({ id: 1, method: "a", params: { x: 1 } });
    push({ id: 2, result: "B" });
    push({ id: 1, result: "A" });
    expect(await Promise.all([a, b])).toEqual(["A", "B"]);
  });

  it("rejects with the server's error, naming the method", async () => {
    const { rpc, push } = connect();
    const answer = rpc.request("thread/resume", {});
    push({ id: 1, error: { code: -32600, message: "no rollout found" } });
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: -32600, message: "thread/resume: no rollout found" });
  });

  it("validates a result with the given parser", async () => {
    const { rpc, push } = connect();
    const answer = rpc.request(
      "x",
      {},
      {
        parse: (r) => {
          if (typeof r !== "number") throw new Error("not a number");
          return r;
        },
      },
    );
    push({ id: 1, result: "nope" });
    await expect(answer).rejects.toThrow("x: unexpected answer from Codex");
  });

  it("times out a request that gets no answer", async () => {
    const { rpc } = connect();
    await expect(rpc.request("slow", {}, { timeoutMs: 20 })).rejects.toThrow(
      "slow: no answer from Codex within 20 ms",
    );
  });

  it("passes notifications on and ignores lines that are not JSON", async () => {
    const seen: [string, unknown][] = [];
    const { push } = connect({ notification: (method, params) => seen.push([method, params]) });
    push("WARNING: not protocol");
    push({ method: "turn/started", params: { turn: { id: "t1" } } });
    push({ method: "initialized" });
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([
      ["turn/started", { turn: { id: "t1" } }],
      ["initialized", undefined],
    ]);
  });

  it("answers server requests with the handler's result, keeping string ids", async () => {
    const { sent, push } = connect({
      request: async (method, params) => ({ echoed: method, params }),
    });
    push({ id: "req-7", method: "item/commandExecution/requestApproval", params: { a: 1 } });
    await waitFor(() => sent.length === 1);
    expect(sent[0]).toEqual({
      id: "req-7",
      result: { echoed: "item/commandExecution/requestApproval", params: { a: 1 } },
    });
  });

  it("answers unknown server requests with an error instead of leaving Codex waiting", async () => {
    const { sent, push } = connect();
    push({ id: 0, method: "item/tool/requestUserInput", params: {} });
    push({ id: 1, method: "something/new", params: {} });
    await waitFor(() => sent.length === 2);
    expect(sent).toEqual([
      { id: 0, error: { code: METHOD_NOT_FOUND, message: "no item/tool/requestUserInput" } },
      { id: 1, error: { code: METHOD_NOT_FOUND, message: "no something/new" } },
    ]);
  });

  it("answers with an internal error when a handler throws", async () => {
    const { sent, push } = connect({
      request: () => {
        throw new Error("bad params");
      },
    });
    push({ id: 3, method: "item/fileChange/requestApproval", params: null });
    await waitFor(() => sent.length === 1);
    expect(sent[0]).toEqual({ id: 3, error: { code: -32603, message: "bad params" } });
  });

  it("fails waiting and later requests once closed", async () => {
    const { rpc, sent } = connect();
    const waiting = rpc.request("a", {});
    rpc.close(new Error("Codex exited (code 1)"));
    await expect(waiting).rejects.toThrow("Codex exited (code 1)");
    await expect(rpc.request("b", {})).rejects.toThrow("Codex exited (code 1)");
    rpc.notify("c");
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.map((m) => m.method)).toEqual(["a"]);
  });
});
