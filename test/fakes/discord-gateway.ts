// Discord's gateway as the fake Discord (discord.ts) serves it, at the wire protocol
// (discord.com/developers/docs/events/gateway; shared/research/bridges.md §3): HELLO with a
// heartbeat interval, HEARTBEAT → ACK, IDENTIFY (token and intents checked: close 4004 / 4013 /
// 4014) → READY (with a resume_gateway_url on this fake) and a GUILD_CREATE per guild, then
// dispatches {op:0,t,s,d} filtered by intent. RESUME of a known session replays what the session
// missed and sends RESUMED; an unknown one gets INVALID_SESSION (op 9, d:false). The fake can send
// RECONNECT (op 7), INVALID_SESSION, a close code of its choosing, or cut sockets (1006).
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

/** Gateway intents (the bits the fake looks at). */
export const INTENTS = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;
/** Intents a bot must have switched on in the developer portal. */
export const PRIVILEGED_INTENTS =
  INTENTS.GuildMembers | INTENTS.GuildPresences | INTENTS.MessageContent;
/** Every intent Discord defines today (bits 0–25, less the unused 22–23); others → 4013. */
const KNOWN_INTENTS = (1 << 26) - 1 - (1 << 22) - (1 << 23);

export interface GatewaySession {
  id: string;
  intents: number;
  /** The last sequence number sent. */
  seq: number;
  /** Every dispatch of this session, in order (RESUME replays those after the client's seq). */
  dispatches: { t: string; s: number; d: unknown }[];
  /** The connection it lives on now (undefined while disconnected). */
  connection?: number;
  /** Ended: a close 1000/1001 from the client, INVALID_SESSION, or a fresh IDENTIFY's replacement. */
  invalid: boolean;
  resumes: number;
}

export interface GatewayConnection {
  id: number;
  /** `gateway` (the URL from /gateway/bot) or `resume` (the session's resume_gateway_url). */
  via: "gateway" | "resume";
  query: Record<string, string>;
  openedAt: number;
  identified?: { at: number; intents: number; session: string };
  resumed?: { at: number; session: string; seq: number; ok: boolean };
  heartbeats: number;
  closedAt?: number;
  /** The close code, as seen by the fake (1006 for a drop). */
  closeCode?: number;
  closedBy?: "client" | "fake";
}

export interface GatewayOptions {
  token: () => string;
  /** Privileged intents switched on for the bot (others requested → close 4014). */
  allowedPrivilegedIntents: () => number;
  heartbeatIntervalMs: number;
  /** `ws://…` base of this fake (resume_gateway_url is `${base}/resume`). */
  base: () => string;
  /** READY's `d` without session_id / resume_gateway_url, and the GUILD_CREATE payloads. */
  readyPayload: () => Record<string, unknown>;
  guildCreates: () => Record<string, unknown>[];
}

type Frame = { op?: unknown; d?: unknown; s?: unknown; t?: unknown };

export class Gateway {
  readonly connections: GatewayConnection[] = [];
  readonly sessions = new Map<string, GatewaySession>();
  /** Dispatches sent while no session was ready (nobody gets them, as on Discord). */
  readonly undelivered: { t: string; d: unknown }[] = [];
  /** When false, heartbeats go unanswered (a zombie connection to the client). */
  ackHeartbeats = true;
  private readonly sockets = new Map<number, WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private next = 0;

  constructor(private readonly options: GatewayOptions) {
    this.wss.on("connection", (socket: WebSocket, req: IncomingMessage) =>
      this.accepted(socket, req),
    );
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path !== "/gateway" && path !== "/resume") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** A dispatch for every ready session whose intents cover `intent` (0: always sent). The
   * session's copy may differ (`shape`, e.g. content hidden without MessageContent). Sessions
   * that are disconnected but resumable keep it for their RESUME. */
  dispatch(t: string, d: unknown, intent = 0, shape?: (d: unknown, intents: number) => unknown) {
    const live = [...this.sessions.values()].filter(
      (s) => !s.invalid && (intent === 0 || (s.intents & intent) !== 0),
    );
    if (live.length === 0) this.undelivered.push({ t, d });
    for (const session of live) {
      const dispatch = { t, s: ++session.seq, d: shape ? shape(d, session.intents) : d };
      session.dispatches.push(dispatch);
      if (session.connection !== undefined) this.write(session.connection, { op: 0, ...dispatch });
    }
  }

  /** Op 7 RECONNECT on every open socket: the client should come back and RESUME. */
  reconnect(): void {
    for (const id of this.sockets.keys()) this.write(id, { op: 7, d: null });
  }

  /** Op 9 INVALID_SESSION on every open socket; not resumable also forgets the sessions. */
  invalidSession(resumable = false): void {
    for (const [id] of this.sockets) {
      const session = this.sessionOn(id);
      if (session && !resumable) session.invalid = true;
      this.write(id, { op: 9, d: resumable });
    }
  }

  /** Closes every open socket with `code` (e.g. 4000 unknown error, 4009 session timed out). */
  closeWith(code: number, reason = ""): void {
    for (const [id, socket] of this.sockets) {
      this.markClosed(id, code, "fake");
      socket.close(code, reason);
    }
  }

  /** Cuts every open socket without a close frame (the client sees 1006). Sessions stay
   * resumable. */
  drop(): void {
    for (const [id, socket] of [...this.sockets]) {
      this.markClosed(id, 1006, "fake");
      socket.terminate();
      this.sockets.delete(id);
    }
  }

  open(): GatewayConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  close(): void {
    this.drop();
    this.wss.close();
  }

  private sessionOn(connection: number): GatewaySession | undefined {
    return [...this.sessions.values()].find((s) => s.connection === connection);
  }

  private markClosed(id: number, code: number, by: "client" | "fake"): void {
    const connection = this.connections.find((c) => c.id === id);
    if (connection && connection.closedAt === undefined) {
      connection.closedAt = Date.now();
      connection.closeCode = code;
      connection.closedBy = by;
    }
    const session = this.sessionOn(id);
    if (session) {
      session.connection = undefined;
      // A normal close ends the session on Discord; anything else can be resumed.
      if (by === "client" && (code === 1000 || code === 1001)) session.invalid = true;
    }
  }

  private accepted(socket: WebSocket, req: IncomingMessage): undefined {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const id = ++this.next;
    const connection: GatewayConnection = {
      id,
      via: url.pathname === "/resume" ? "resume" : "gateway",
      query: Object.fromEntries(url.searchParams),
      openedAt: Date.now(),
      heartbeats: 0,
    };
    this.connections.push(connection);
    this.sockets.set(id, socket);
    socket.on("message", (data) => this.onFrame(id, connection, data.toString()));
    socket.on("close", (code) => {
      this.sockets.delete(id);
      this.markClosed(id, code, "client");
    });
    socket.on("error", () => undefined);
    const { v, encoding, compress } = connection.query;
    if (v !== "10") return this.refuse(id, 4012, "Invalid API version");
    // The fake speaks JSON without transport compression (zlib-sync left out).
    if ((encoding ?? "json") !== "json" || compress !== undefined) {
      return this.refuse(id, 4000, "Unknown error");
    }
    this.write(id, {
      op: 10,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ["fake-gateway"] },
      s: null,
      t: null,
    });
  }

  private refuse(id: number, code: number, reason: string): undefined {
    const socket = this.sockets.get(id);
    this.markClosed(id, code, "fake");
    socket?.close(code, reason);
  }

  private write(id: number, frame: Record<string, unknown>): undefined {
    const socket = this.sockets.get(id);
    if (socket?.readyState !== 1) return;
    socket.send(JSON.stringify({ s: null, t: null, ...frame }));
  }

  private onFrame(id: number, connection: GatewayConnection, text: string): undefined {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return this.refuse(id, 4002, "Error while decoding payload.");
    }
    const d = (frame.d ?? {}) as Record<string, unknown>;
    switch (frame.op) {
      case 1:
        connection.heartbeats++;
        if (this.ackHeartbeats) this.write(id, { op: 11 });
        return;
      case 2:
        return this.identify(id, connection, d);
      case 6:
        return this.resume(id, connection, d);
      case 3: // presence update
      case 4: // voice state update
      case 8: // request guild members
        if (!connection.identified && !connection.resumed?.ok) {
          return this.refuse(id, 4003, "Not authenticated.");
        }
        return;
      default:
        return this.refuse(id, 4001, "Unknown opcode.");
    }
  }

  private identify(
    id: number,
    connection: GatewayConnection,
    d: Record<string, unknown>,
  ): undefined {
    if (connection.identified || connection.resumed?.ok) {
      return this.refuse(id, 4005, "Already authenticated.");
    }
    if (d.token !== this.options.token()) return this.refuse(id, 4004, "Authentication failed.");
    const intents = typeof d.intents === "number" ? d.intents : Number.NaN;
    if (!Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) {
      return this.refuse(id, 4013, "Invalid intent(s).");
    }
    const privileged = intents & PRIVILEGED_INTENTS;
    if ((privileged & ~this.options.allowedPrivilegedIntents()) !== 0) {
      return this.refuse(id, 4014, "Disallowed intent(s).");
    }
    const session: GatewaySession = {
      id: randomUUID().replace(/-/g, ""),
      intents,
      seq: 0,
      dispatches: [],
      connection: id,
      invalid: false,
      resumes: 0,
    };
    this.sessions.set(session.id, session);
    connection.identified = { at: Date.now(), intents, session: session.id };
    const ready = {
      ...this.options.readyPayload(),
      session_id: session.id,
      resume_gateway_url: `${this.options.base()}/resume`,
      shard: Array.isArray(d.shard) ? d.shard : [0, 1],
    };
    this.sendTo(session, "READY", ready);
    if (intents & INTENTS.Guilds) {
      for (const guild of this.options.guildCreates()) this.sendTo(session, "GUILD_CREATE", guild);
    }
  }

  private sendTo(session: GatewaySession, t: string, d: unknown): undefined {
    const dispatch = { t, s: ++session.seq, d };
    session.dispatches.push(dispatch);
    if (session.connection !== undefined) this.write(session.connection, { op: 0, ...dispatch });
  }

  private resume(id: number, connection: GatewayConnection, d: Record<string, unknown>): undefined {
    if (d.token !== this.options.token()) return this.refuse(id, 4004, "Authentication failed.");
    const session = this.sessions.get(String(d.session_id));
    const seq = typeof d.seq === "number" ? d.seq : -1;
    const ok = session !== undefined && !session.invalid && seq >= 0 && seq <= session.seq;
    connection.resumed = { at: Date.now(), session: String(d.session_id), seq, ok };
    if (!session || !ok) {
      // Discord waits a moment before telling the client to start over.
      this.write(id, { op: 9, d: false });
      return;
    }
    if (session.connection !== undefined && session.connection !== id) {
      this.sockets.get(session.connection)?.close(4000, "Session resumed elsewhere");
    }
    session.connection = id;
    session.resumes++;
    for (const missed of session.dispatches.filter((m) => m.s > seq)) {
      this.write(id, { op: 0, ...missed });
    }
    this.sendTo(session, "RESUMED", { _trace: ["fake-gateway"] });
  }
}
