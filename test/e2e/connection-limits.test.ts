// Finding 9 of issue 8: a client that opens many idle or slow-header sockets cannot make the
// daemon unreachable for anyone else, and a socket that never finishes its headers is closed
// after the header timeout. The greedy client connects from 127.0.0.2, so the daemon sees it as
// another address than the well-behaved client on 127.0.0.1.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const started: TestDaemon[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(started.splice(0).map((t) => t.close()));
});

async function daemon(env: Record<string, string>): Promise<TestDaemon> {
  const t = await startTestDaemon({ env });
  started.push(t);
  return t;
}

interface Tracked {
  socket: Socket;
  closed: boolean;
  received: string;
}

/** A raw TCP connection to the daemon from `from`, optionally sending `send` once connected. */
function open(t: TestDaemon, from: string, send?: string): Tracked {
  const socket = connect({ host: "127.0.0.1", port: t.daemon.port, localAddress: from });
  sockets.push(socket);
  const tracked: Tracked = { socket, closed: false, received: "" };
  socket.on("connect", () => {
    if (send) socket.write(send);
  });
  socket.on("data", (d) => {
    tracked.received += d.toString();
  });
  socket.on("error", () => {
    // Reset by the daemon: the point of these tests; "close" follows.
  });
  socket.on("close", () => {
    tracked.closed = true;
  });
  return tracked;
}

const SLOW_HEADERS = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

describe("connection limits", () => {
  it("closes a socket that does not finish its headers within the header timeout", async () => {
    const t = await daemon({
      TETHER_HEADERS_TIMEOUT_MS: "1000",
      TETHER_REQUEST_TIMEOUT_MS: "2000",
    });
    const slow = open(t, "127.0.0.1", SLOW_HEADERS);
    const idle = open(t, "127.0.0.1");
    await waitFor(() => slow.closed && idle.closed, {
      timeoutMs: 8_000,
      what: "the slow-header and the idle socket to be closed",
    });
    expect(slow.received).toMatch(/^HTTP\/1\.1 408 /);
    // A request sent in time is answered as usual.
    expect((await t.api("GET", "/api/health")).status).toBe(200);
  });

  it("a long poll outlives the request timeout: it covers receiving the request only", async () => {
    const t = await daemon({ TETHER_HEADERS_TIMEOUT_MS: "500", TETHER_REQUEST_TIMEOUT_MS: "500" });
    const created = await t.api("POST", "/external/sessions", {});
    const id = created.body.session_id as string;
    const poll = await t.api("GET", `/external/sessions/${id}/input?timeout=2`);
    expect(poll.status).toBe(204);
  });

  it("one client's 3,000 idle and slow-header sockets leave the daemon answering others", async () => {
    const cap = 200;
    const t = await daemon({
      TETHER_MAX_CONNECTIONS: "1000",
      TETHER_MAX_CONNECTIONS_PER_CLIENT: String(cap),
    });
    const greedy: Tracked[] = [];
    const stillOpen = () => greedy.filter((s) => !s.closed).length;
    // In batches below the listen backlog, so each is accepted (and, past the cap, closed) at
    // once rather than left waiting in the kernel's queue.
    for (let batch = 0; batch < 12; batch++) {
      for (let i = 0; i < 250; i++) {
        greedy.push(open(t, "127.0.0.2", i % 2 ? SLOW_HEADERS : undefined));
      }
      await waitFor(() => stillOpen() <= cap, {
        timeoutMs: 10_000,
        what: () => `the greedy client's sockets to be cut to ${cap}; open: ${stillOpen()}`,
      });
    }
    expect(greedy).toHaveLength(3000);
    const held = greedy.filter((s) => !s.closed).length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(cap);

    // Another client still gets its answer, on several connections at once.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${t.url}/api/health`, { headers: { authorization: `Bearer ${t.token}` } }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});
