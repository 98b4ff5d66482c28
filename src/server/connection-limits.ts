// Bounds on what one client can hold of the daemon (finding 9 of issue 8): a slow or idle
// client is cut off once it has taken too long to send a request, and no one address can hold
// more than its share of connections, so another client's request still gets through.
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** Connections held at once, from everyone; later ones are closed on accept. */
  maxConnections: number;
  /** Connections one remote address may hold at once. */
  maxPerClient: number;
  /** Time to send a request's headers (from the connection, or the request's first byte). */
  headersTimeoutMs: number;
  /** Time to send a whole request, body included. Only receiving counts: a long poll or a
   * WebSocket whose request has arrived is not cut off by it. */
  requestTimeoutMs: number;
  /** Time an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** Applies the limits to `server`; call before it listens. */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Node checks the two timeouts on this interval (30 s by default, which would let a slow
  // client stay that much longer); it reads the value when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(5_000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4)));
  server.maxConnections = limits.maxConnections;

  const held = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const client = clientKey(socket.remoteAddress);
    const count = (held.get(client) ?? 0) + 1;
    if (count > limits.maxPerClient) {
      socket.destroy();
      return;
    }
    held.set(client, count);
    socket.once("close", () => {
      const left = (held.get(client) ?? 1) - 1;
      if (left > 0) held.set(client, left);
      else held.delete(client);
    });
  });
}

/** One key per client address: an IPv4 client seen through an IPv6 socket is the same client. */
function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/**
 * The default cap on connections: 10,000, or fewer when the open-files limit would run out
 * first (each connection is a descriptor, and the database and agents need theirs).
 */
export function defaultMaxConnections(): number {
  const soft = openFilesLimit();
  if (soft === undefined) return 10_000;
  return Math.max(64, Math.min(10_000, soft - 512));
}

function openFilesLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
    if (soft === undefined || soft === "unlimited") return undefined;
    const n = Number(soft);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined; // not Linux
  }
}
