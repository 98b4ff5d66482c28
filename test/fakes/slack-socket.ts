// Socket Mode as Slack serves it (docs.slack.dev/apis/events-api/using-socket-mode): a one-time
// ticket from apps.connections.open opens one socket; Slack says hello, sends envelopes to one of
// the app's open sockets, expects each acked by its envelope_id within 3 s, sends an unacked
// event again, and says `disconnect` before it refreshes a socket. The fake Slack (slack.ts)
// decides what the envelopes carry.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export type EnvelopeType = "events_api" | "interactive" | "slash_commands";

export interface SlackEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
  /** queued: waiting for a connection (events only); undeliverable: no connection for a
   * click or command (Slack shows the user an error); expired: not acked in time. */
  status: "queued" | "sent" | "acked" | "expired" | "undeliverable";
  /** Which connection (1, 2, …) carried it. */
  connection?: number;
  sentAt?: number;
  ackedAt?: number;
  /** ms from sending to the ack. */
  ackMs?: number;
  ackPayload?: Record<string, unknown>;
  /** Acked after the deadline (`ackDeadlineMs`, 3 s as on Slack). */
  late: boolean;
  /** The envelope that re-delivered this event after it went unacked. */
  redeliveredAs?: string;
}

export interface SlackConnection {
  id: number;
  openedAt: number;
  closedAt?: number;
  /** Who ended it: the client, or the fake (a close after `disconnect`, a drop, `down`). */
  closedBy?: "client" | "fake";
}

export type DisconnectReason = "refresh_requested" | "link_disabled" | "warning";

export interface SocketModeOptions {
  appId: string;
  ackDeadlineMs: number;
  /** Delays before each re-delivery of an unacked event (Slack: at once, 1 min, 5 min). */
  eventRetryDelaysMs: number[];
  /** How long after a refresh_requested / link_disabled Slack closes the socket itself. */
  disconnectGraceMs: number;
  serverPingMs?: number;
  /** A timer the fake clears when it closes. */
  later(ms: number, fn: () => void): void;
  /** An ack that came in time (a slash command's may carry the answer for the user). */
  onAck(envelope: SlackEnvelope): void;
}

export class SocketMode {
  readonly envelopes: SlackEnvelope[] = [];
  readonly connections: SlackConnection[] = [];
  private readonly sockets = new Map<number, WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private nextSocket = 0;
  private roundRobin = 0;

  constructor(private readonly options: SocketModeOptions) {
    this.wss.on("connection", (socket: WebSocket) => this.accepted(socket));
  }

  /** The ticket of a new socket URL (apps.connections.open). */
  issueTicket(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return ticket;
  }

  /** An HTTP upgrade to `/link/?ticket=…`: a known ticket opens one socket, once. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/link/" || !this.tickets.delete(url.searchParams.get("ticket") ?? "")) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** An envelope for the app: sent on an open socket, else held (events) or lost (the rest). */
  send(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    acceptsResponsePayload: boolean,
    retry = { retry_attempt: 0, retry_reason: "" },
  ): SlackEnvelope {
    const envelope: SlackEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: acceptsResponsePayload,
      ...retry,
      status: "queued",
      late: false,
    };
    this.envelopes.push(envelope);
    this.deliver(envelope);
    return envelope;
  }

  disconnect(reason: DisconnectReason, connectionId?: number): void {
    for (const id of connectionId === undefined ? [...this.sockets.keys()] : [connectionId]) {
      this.write(id, { type: "disconnect", reason, debug_info: { host: `applink-fake-${id}` } });
      // Slack closes the socket itself soon after (a warning comes ~10 s ahead of that).
      if (reason !== "warning") {
        this.options.later(this.options.disconnectGraceMs, () => this.closeFromSlack(id));
      }
    }
  }

  /** Cuts every open socket without a close frame (the client sees 1006). */
  drop(): void {
    for (const id of [...this.sockets.keys()]) {
      const connection = this.connections.find((c) => c.id === id);
      if (connection && connection.closedAt === undefined) {
        connection.closedAt = Date.now();
        connection.closedBy = "fake";
      }
      this.sockets.get(id)?.terminate();
      this.sockets.delete(id);
    }
  }

  open(): SlackConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  close(): void {
    this.drop();
    this.wss.close();
  }

  private accepted(socket: WebSocket): void {
    const id = ++this.nextSocket;
    const connection: SlackConnection = { id, openedAt: Date.now() };
    this.connections.push(connection);
    this.sockets.set(id, socket);
    socket.on("message", (data) => this.onFrame(id, data.toString()));
    socket.on("close", () => {
      this.sockets.delete(id);
      connection.closedAt ??= Date.now();
      connection.closedBy ??= "client";
    });
    socket.on("error", () => undefined);
    const pingMs = this.options.serverPingMs;
    if (pingMs) {
      const ping = setInterval(() => socket.readyState === 1 && socket.ping(), pingMs);
      socket.on("close", () => clearInterval(ping));
    }
    this.write(id, {
      type: "hello",
      num_connections: this.openSockets().length,
      debug_info: {
        host: `applink-fake-${id}`,
        build_number: 1,
        approximate_connection_time: 18_060,
      },
      connection_info: { app_id: this.options.appId },
    });
    for (const envelope of this.envelopes.filter((e) => e.status === "queued")) {
      this.deliver(envelope);
    }
  }

  private openSockets(): number[] {
    return [...this.sockets.entries()].filter(([, s]) => s.readyState === 1).map(([id]) => id);
  }

  private write(id: number, message: unknown): void {
    const socket = this.sockets.get(id);
    if (socket?.readyState === 1) socket.send(JSON.stringify(message));
  }

  private deliver(envelope: SlackEnvelope): void {
    const open = this.openSockets();
    if (open.length === 0) {
      envelope.status = envelope.type === "events_api" ? "queued" : "undeliverable";
      return;
    }
    // With several sockets open, Slack may use any of them.
    const connection = open[this.roundRobin++ % open.length]!;
    envelope.status = "sent";
    envelope.connection = connection;
    envelope.sentAt = Date.now();
    this.write(connection, {
      envelope_id: envelope.envelope_id,
      type: envelope.type,
      payload: envelope.payload,
      accepts_response_payload: envelope.accepts_response_payload,
      ...(envelope.type === "events_api"
        ? { retry_attempt: envelope.retry_attempt, retry_reason: envelope.retry_reason }
        : {}),
    });
    this.options.later(this.options.ackDeadlineMs, () => {
      if (envelope.status !== "sent") return;
      envelope.status = "expired";
      const delay = this.options.eventRetryDelaysMs[envelope.retry_attempt];
      if (envelope.type !== "events_api" || delay === undefined) return;
      this.options.later(delay, () => {
        const retry = this.send(envelope.type, envelope.payload, false, {
          retry_attempt: envelope.retry_attempt + 1,
          retry_reason: "timeout",
        });
        envelope.redeliveredAs = retry.envelope_id;
      });
    });
  }

  /** A frame from the app: an ack `{envelope_id, payload?}`. */
  private onFrame(connection: number, data: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return;
    }
    const envelope = this.envelopes.find((e) => e.envelope_id === message.envelope_id);
    if (!envelope || envelope.ackedAt !== undefined) return;
    const t = Date.now();
    envelope.ackedAt = t;
    envelope.ackMs = t - (envelope.sentAt ?? t);
    envelope.late = envelope.ackMs > this.options.ackDeadlineMs;
    envelope.connection ??= connection;
    if (typeof message.payload === "object" && message.payload !== null) {
      envelope.ackPayload = message.payload as Record<string, unknown>;
    }
    if (envelope.status === "expired") return; // too late: Slack has given up on it
    envelope.status = "acked";
    this.options.onAck(envelope);
  }

  /** A close frame from Slack's side, if the client has not closed the socket already. */
  private closeFromSlack(id: number): void {
    const socket = this.sockets.get(id);
    if (socket?.readyState !== 1) return;
    const connection = this.connections.find((c) => c.id === id);
    if (connection) connection.closedBy = "fake";
    socket.close(1001, "going away");
  }
}
