// A fake Slack on 127.0.0.1 (free port) for the real @slack/bolt in Socket Mode
// (`clientOptions.slackApiUrl: fake.apiUrl`; the bridge reads SLACK_API_URL). One server holds
// both halves, at Slack's wire protocol (shared/research/bridges.md §2):
// - the Web API: `POST /api/<method>`, form-urlencoded (JSON-string fields such as `blocks`
//   parsed) or JSON, `Authorization: Bearer`; always HTTP 200 `{ok:true,…}` / `{ok:false,error}`
//   except 429 (Retry-After) and 5xx; the files upload URL; response_urls;
// - Socket Mode: `apps.connections.open` (app token) hands out a one-time `ws://…/link/?ticket=`
//   URL; the socket says hello, carries envelopes (events_api, interactive, slash_commands) that
//   the app acks by envelope_id, and `disconnect` messages.
// The test plays the people (`userSays`, `click`, `slashCommand`), injects faults per method,
// disconnects or drops sockets, and reads what the app did from the recorded state.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { waitFor } from "../helpers/wait.js";
import { type Block, checkMessageBlocks, interactiveElements } from "./slack-blocks.js";
import {
  type DisconnectReason,
  type EnvelopeType,
  type SlackConnection,
  type SlackEnvelope,
  SocketMode,
} from "./slack-socket.js";

export type { Block } from "./slack-blocks.js";
export { BLOCK_LIMITS } from "./slack-blocks.js";
export type {
  DisconnectReason,
  EnvelopeType,
  SlackConnection,
  SlackEnvelope,
} from "./slack-socket.js";

export interface FakeSlackUser {
  id: string;
  name: string;
  real_name: string;
  is_bot?: boolean;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** User ids in the channel; the bot is a member when its user id is listed. */
  members: string[];
}

export const TEAM = { id: "T0TETHER01", domain: "tether-test", name: "Tether Test" } as const;
export const APP_ID = "A0TETHERAPP";
export const BOT = {
  id: "U0TETHERBOT",
  botId: "B0TETHERBOT",
  name: "tether",
  real_name: "Tether",
} as const;
export const BOT_TOKEN = "xoxb-1000000001-2000000002-faketetherbottoken";
export const APP_TOKEN = "xapp-1-A0TETHERAPP-3000000003-faketetherapptoken";
/** An allowed user in the examples: in every channel. */
export const USER: FakeSlackUser = { id: "U0ADA000001", name: "ada", real_name: "Ada Lovelace" };
/** In the channel too, but not someone the bridge should obey. */
export const STRANGER: FakeSlackUser = {
  id: "U0BOB000002",
  name: "bob",
  real_name: "Bob Stranger",
};
/** In the workspace, in no channel (chat.postEphemeral to them → user_not_in_channel). */
export const OUTSIDER: FakeSlackUser = { id: "U0EVE000003", name: "eve", real_name: "Eve Outside" };
/** The channel the bridge is configured with; the bot is a member. */
export const CHANNEL: FakeSlackChannel = {
  id: "C0TETHER001",
  name: "tether",
  members: [BOT.id, USER.id, STRANGER.id],
};
/** A public channel the bot was never added to (chat.postMessage → not_in_channel). */
export const OTHER_CHANNEL: FakeSlackChannel = {
  id: "C0RANDOM002",
  name: "random",
  members: [USER.id, STRANGER.id],
};
/** A private channel without the bot: to the bot it does not exist (channel_not_found). */
export const PRIVATE_CHANNEL: FakeSlackChannel = {
  id: "C0SECRET003",
  name: "secret",
  is_private: true,
  members: [USER.id],
};

/** What a bot token is granted unless `scopes` says otherwise. */
export const DEFAULT_SCOPES = [
  "chat:write",
  "channels:read",
  "groups:read",
  "channels:history",
  "groups:history",
  "users:read",
  "files:write",
  "reactions:write",
  "commands",
];

export interface MessageVersion {
  text: string;
  blocks?: Block[];
  /** Which call replaced this version. */
  replacedBy?: "chat.update" | "response_url";
}

export interface FakeSlackMessage extends MessageVersion {
  channel: string;
  ts: string;
  /** The parent's ts, for a reply in a thread. */
  thread_ts?: string;
  /** The author's user id (the bot's user id for the bot). */
  user: string;
  /** Set on messages of the app's bot, and of other bots. */
  bot_id?: string;
  subtype?: string;
  metadata?: unknown;
  files?: { id: string; name: string; title: string }[];
  reactions: { name: string; users: string[] }[];
  /** Earlier versions, oldest first (chat.update, a response_url replace_original). */
  edits: MessageVersion[];
  edited?: { user: string; ts: string };
  deleted?: boolean;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: Block[];
  thread_ts?: string;
  message_ts: string;
  /** chat.postEphemeral, a response_url post, or a slash command's ack payload. */
  via: "chat.postEphemeral" | "response_url" | "ack";
}

export interface FakeFile {
  id: string;
  filename: string;
  title?: string;
  length: number;
  alt_text?: string;
  snippet_type?: string;
  /** What reached the upload URL (undefined until then). */
  bytes?: Buffer;
  /** Set by files.completeUploadExternal. */
  shared?: { channel_id?: string; thread_ts?: string; initial_comment?: string; ts?: string };
}

export interface ResponseUrlPost {
  url: string;
  /** The envelope whose payload carried the URL. */
  envelope_id: string;
  kind: "block_actions" | "slash_command";
  body: Record<string, unknown>;
  status: number;
  at: number;
}

export interface SlackApiCall {
  method: string;
  params: Record<string, unknown>;
  /** Which token came with it ("invalid": one the workspace does not know). */
  token: "bot" | "app" | "invalid" | "none";
  /** HTTP status answered (0 while pending or when the connection was dropped). */
  status: number;
  /** The `error` of an `{ok:false}` answer. */
  error?: string;
  fault: boolean;
  at: number;
}

/** What the next matching calls get instead of a normal answer: `status` 429 answers with
 * `Retry-After: retryAfter` (s), other statuses (5xx) with Slack's error body; `error` is an
 * HTTP 200 `{ok:false, error, ...extra}`. */
export type SlackFault = { times?: number } & (
  | { status: number; retryAfter?: number }
  | { error: string; extra?: Record<string, unknown> }
  /** `reset`: TCP RST, no reply (ECONNRESET); `close`: the socket ends without a reply. */
  | { drop: "reset" | "close" }
  /** Answer normally, after this long. */
  | { delayMs: number }
  /** Do it at once, answer after this long: the call took effect though the client may give up. */
  | { replyDelayMs: number }
);

export const rateLimited = (retryAfter = 1, times = 1): SlackFault => ({
  status: 429,
  retryAfter,
  times,
});
export const serverError = (status = 500, times = 1): SlackFault => ({ status, times });
export const slackError = (
  error: string,
  extra?: Record<string, unknown>,
  times = 1,
): SlackFault => ({ error, ...(extra ? { extra } : {}), times });
/** `missing_scope` as Slack words it: the scope needed, and the ones the token has. */
export const missingScope = (needed: string, provided = DEFAULT_SCOPES, times = 1): SlackFault =>
  slackError("missing_scope", { needed, provided: provided.join(",") }, times);

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  /** Default: CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL. */
  channels?: FakeSlackChannel[];
  /** Default: USER, STRANGER, OUTSIDER (the bot is always there). */
  users?: FakeSlackUser[];
  /** Bot token scopes (default DEFAULT_SCOPES); a method needing another → missing_scope. */
  scopes?: string[];
  /** Slack expects an ack within 3 s (default 3000). */
  ackDeadlineMs?: number;
  /** An events_api envelope still unacked at the deadline is sent again (new envelope_id, same
   * event_id, retry_attempt + 1, retry_reason "timeout") after these delays; Slack retries 3 times
   * (at once, after 1 min, after 5 min). `[]` turns re-delivery off. */
  eventRetryDelaysMs?: number[];
  /** As on Slack (subscribed to message.channels), the bot's own posts come back as message
   * events (with its user and bot_id; Bolt's ignoreSelf drops them). Default true. */
  echoBotMessages?: boolean;
  /** chat.postMessage's `text` limit (default 40,000): above it → msg_too_long. */
  maxTextChars?: number;
  /** A per-channel limit on chat.postMessage (Slack: about 1 per second, with bursts): over it →
   * 429 with the real Retry-After. */
  chatRateLimit?: { max: number; perMs: number };
  /** After a refresh_requested or link_disabled, the fake closes the socket itself if the
   * client has not (default 1000 ms). */
  disconnectGraceMs?: number;
  /** Ping each socket this often (real Slack pings; the client then watches for them). */
  serverPingMs?: number;
}

export interface FakeSlack {
  /** Base URL without a trailing slash. */
  url: string;
  /** The Web API root for `slackApiUrl` / SLACK_API_URL (ends with `/api/`). */
  apiUrl: string;
  botToken: string;
  appToken: string;
  // --- the people ---
  /** A person writes in a channel (default CHANNEL, from USER), in a thread if `threadTs`.
   * The text reaches the app as Slack sends it: `&`, `<`, `>` escaped (unless `raw`). */
  userSays(options: {
    text: string;
    channel?: string;
    threadTs?: string;
    user?: string;
    raw?: boolean;
  }): { ts: string; envelope: SlackEnvelope };
  /** Another app's bot writes (subtype bot_message, its own bot_id). */
  otherBotSays(options: { text: string; channel?: string; threadTs?: string; botId?: string }): {
    ts: string;
    envelope: SlackEnvelope;
  };
  /** A person clicks a button of a message (by action_id, value or label). With `stale` the
   * button may be one an earlier version had (a client that has not caught up with an edit). */
  click(options: {
    messageTs: string;
    channel?: string;
    actionId?: string;
    value?: string;
    text?: string;
    user?: string;
    stale?: boolean;
  }): { envelope: SlackEnvelope; responseUrl: string; triggerId: string };
  /** A person runs a slash command (default `/tether`) in a channel. */
  slashCommand(options: { command?: string; text?: string; user?: string; channel?: string }): {
    envelope: SlackEnvelope;
    responseUrl: string;
    triggerId: string;
  };
  /** Any other envelope. */
  sendEnvelope(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    acceptsResponsePayload?: boolean,
  ): SlackEnvelope;
  /** Slack tells the app to reconnect (every open socket, or one). */
  disconnect(reason: DisconnectReason, connectionId?: number): void;
  /** Cuts every open socket without a close frame (the client sees 1006). */
  dropConnections(): void;
  // --- the workspace ---
  /** Adds the bot to a channel or removes it. */
  setBotMember(channel: string, member: boolean): void;
  archive(channel: string): void;
  /** Someone deletes a message in the app: Slack sends message_deleted, and edits of it then
   * get message_not_found. */
  deleteMessage(channel: string, ts: string): void;
  setScopes(scopes: string[]): void;
  // --- faults ---
  /** The next `times` (default 1) calls of `key` get `fault`. Keys: a method name, "*" (any
   * method), "upload" (the files upload URL), "response_url". */
  inject(key: string, fault: SlackFault): void;
  clearFaults(): void;
  /** Every call of `method` answers this much later (0 to stop). */
  setDelay(method: string, ms: number): void;
  /** An outage: `refuse` stops listening (ECONNREFUSED), `reset` resets every connection;
   * open sockets and requests are cut either way. */
  down(mode?: "refuse" | "reset"): Promise<void>;
  up(): Promise<void>;
  // --- state ---
  calls: SlackApiCall[];
  callsOf(method: string): SlackApiCall[];
  /** Messages of a channel (default CHANNEL), oldest first: top level and replies; with
   * `threadTs`, one thread (parent first). Deleted ones only with `includeDeleted`. */
  messages(options?: {
    channel?: string;
    threadTs?: string;
    fromBot?: boolean;
    includeDeleted?: boolean;
  }): FakeSlackMessage[];
  message(channel: string, ts: string): FakeSlackMessage | undefined;
  ephemerals: FakeEphemeral[];
  files: FakeFile[];
  responsePosts: ResponseUrlPost[];
  envelopes: SlackEnvelope[];
  envelope(id: string): SlackEnvelope | undefined;
  /** Envelopes acked after the deadline, or not at all by then. */
  lateAcks(): SlackEnvelope[];
  /** Every socket accepted (hello sent), open or not. */
  connections: SlackConnection[];
  openConnections(): SlackConnection[];
  waitForCall(method: string, pred?: (call: SlackApiCall) => boolean): Promise<SlackApiCall>;
  waitForMessage(
    pred: (m: FakeSlackMessage) => boolean,
    channel?: string,
  ): Promise<FakeSlackMessage>;
  waitForAck(envelopeId: string): Promise<SlackEnvelope>;
  /** Until `n` sockets have been accepted in all, and one is open. */
  waitForConnections(n: number): Promise<SlackConnection>;
  close(): Promise<void>;
}

class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

const fail = (error: string, extra?: Record<string, unknown>) => new SlackApiError(error, extra);

/** Arguments web-api sends JSON-encoded inside a form, and the error for a bad one. */
const JSON_FIELDS: Record<string, string> = {
  blocks: "invalid_blocks_format",
  attachments: "invalid_attachments",
  metadata: "invalid_metadata_format",
  files: "invalid_arguments",
  file_ids: "invalid_arguments",
  unfurls: "invalid_arguments",
};

/** The scope each method needs (public channel flavour; private channels need groups:*). */
const SCOPES: Record<string, string | undefined> = {
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.delete": "chat:write",
  "chat.postEphemeral": "chat:write",
  "conversations.info": "channels:read",
  "conversations.history": "channels:history",
  "conversations.replies": "channels:history",
  "users.info": "users:read",
  "files.getUploadURLExternal": "files:write",
  "files.completeUploadExternal": "files:write",
  "reactions.add": "reactions:write",
  "reactions.remove": "reactions:write",
};

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

function bool(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

/** Slack escapes these three in message text it delivers. */
const escapeText = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A request's arguments: the query string, then a form, JSON or multipart body. */
async function readParams(req: IncomingMessage, url: URL, body: Buffer) {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (body.length > 0) {
    if (type.startsWith("application/json")) {
      try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
        Object.assign(params, parsed);
      } catch {
        throw fail("invalid_json");
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
    } else if (type.startsWith("multipart/form-data")) {
      const form = await new Response(body, { headers: { "content-type": type } })
        .formData()
        .catch(() => {
          throw fail("invalid_form_data");
        });
      for (const [key, value] of form) params[key] = value;
    } else if (!type) {
      throw fail("missing_post_type");
    } else {
      throw fail("invalid_post_type");
    }
  }
  for (const [key, error] of Object.entries(JSON_FIELDS)) {
    const value = params[key];
    if (typeof value !== "string") continue;
    try {
      params[key] = JSON.parse(value);
    } catch {
      throw fail(error);
    }
  }
  return params;
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type":
      typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? BOT_TOKEN;
  const appToken = options.appToken ?? APP_TOKEN;
  const ackDeadlineMs = options.ackDeadlineMs ?? 3000;
  const eventRetryDelaysMs = options.eventRetryDelaysMs ?? [0, 60_000, 300_000];
  const echoBotMessages = options.echoBotMessages ?? true;
  const maxTextChars = options.maxTextChars ?? 40_000;
  let scopes = [...(options.scopes ?? DEFAULT_SCOPES)];

  const botUser: FakeSlackUser = {
    id: BOT.id,
    name: BOT.name,
    real_name: BOT.real_name,
    is_bot: true,
  };
  const users = new Map<string, FakeSlackUser>();
  for (const user of [botUser, ...(options.users ?? [USER, STRANGER, OUTSIDER])]) {
    users.set(user.id, user);
  }
  const channels = new Map<string, FakeSlackChannel>();
  for (const channel of options.channels ?? [CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL]) {
    channels.set(channel.id, { ...channel, members: [...channel.members] });
  }
  const log = new Map<string, FakeSlackMessage[]>();
  const calls: SlackApiCall[] = [];
  const ephemerals: FakeEphemeral[] = [];
  const files: FakeFile[] = [];
  const uploadTickets = new Map<string, FakeFile>();
  const responsePosts: ResponseUrlPost[] = [];
  const responseUrls = new Map<
    string,
    {
      envelopeId: string;
      kind: ResponseUrlPost["kind"];
      channel: string;
      user: string;
      messageTs?: string;
      threadTs?: string;
      createdAt: number;
      uses: number;
    }
  >();
  const faults: { key: string; fault: SlackFault; left: number }[] = [];
  const delays = new Map<string, number>();
  const sendsByChannel = new Map<string, number[]>();
  const timers = new Set<NodeJS.Timeout>();
  let state: "up" | "refuse" | "reset" = "up";
  let closed = false;
  let lastMicros = 0;
  let nextId = 1;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  /** Message timestamps as Slack makes them: seconds.microseconds, unique and increasing. */
  const newTs = () => {
    const micros = Math.max(Date.now() * 1000, lastMicros + 100);
    lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  };
  const newId = (prefix: string) =>
    `${prefix}0${String(nextId++).padStart(8, "0")}${TEAM.id.slice(-2)}`;

  const channelLog = (id: string) => {
    let list = log.get(id);
    if (!list) {
      list = [];
      log.set(id, list);
    }
    return list;
  };
  const findMessage = (channel: string, ts: string | undefined) =>
    ts === undefined ? undefined : log.get(channel)?.find((m) => m.ts === ts);

  const wireMessage = (m: FakeSlackMessage): Record<string, unknown> => {
    const wire: Record<string, unknown> = {
      type: "message",
      ...(m.subtype ? { subtype: m.subtype } : {}),
      text: m.text,
      user: m.user,
      ts: m.ts,
      team: TEAM.id,
    };
    if (m.bot_id) {
      wire.bot_id = m.bot_id;
      if (m.bot_id === BOT.botId) {
        wire.app_id = APP_ID;
        wire.bot_profile = {
          id: BOT.botId,
          app_id: APP_ID,
          name: BOT.name,
          deleted: false,
          team_id: TEAM.id,
        };
      }
    }
    if (m.blocks) wire.blocks = m.blocks;
    if (m.metadata !== undefined) wire.metadata = m.metadata;
    if (m.files) wire.files = m.files;
    if (m.edited) wire.edited = m.edited;
    if (m.reactions.length) {
      wire.reactions = m.reactions.map((r) => ({ ...r, count: r.users.length }));
    }
    if (m.thread_ts) {
      wire.thread_ts = m.thread_ts;
      wire.parent_user_id = findMessage(m.channel, m.thread_ts)?.user;
    } else {
      const replies = (log.get(m.channel) ?? []).filter((r) => r.thread_ts === m.ts && !r.deleted);
      if (replies.length) {
        wire.thread_ts = m.ts;
        wire.reply_count = replies.length;
        wire.latest_reply = replies[replies.length - 1]!.ts;
      }
    }
    return wire;
  };

  const wireChannel = (c: FakeSlackChannel) => ({
    id: c.id,
    name: c.name,
    name_normalized: c.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.is_private ?? false,
    is_archived: c.is_archived ?? false,
    is_general: false,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: c.members.includes(BOT.id),
    created: 1_700_000_000,
    creator: USER.id,
    context_team_id: TEAM.id,
    topic: { value: "", creator: "", last_set: 0 },
    purpose: { value: "", creator: "", last_set: 0 },
  });

  const wireUser = (u: FakeSlackUser) => ({
    id: u.id,
    team_id: TEAM.id,
    name: u.name,
    real_name: u.real_name,
    deleted: false,
    is_bot: u.is_bot ?? false,
    is_app_user: false,
    is_admin: false,
    tz: "Europe/London",
    profile: {
      real_name: u.real_name,
      display_name: u.name,
      real_name_normalized: u.real_name,
      display_name_normalized: u.name,
      team: TEAM.id,
      ...(u.is_bot ? { bot_id: BOT.botId, api_app_id: APP_ID } : {}),
    },
  });

  /** A channel the bot can see: a private one it is not in does not exist for it. */
  const visibleChannel = (value: unknown): FakeSlackChannel => {
    const id = str(value);
    if (!id) throw fail("channel_not_found");
    const channel = channels.get(id) ?? [...channels.values()].find((c) => `#${c.name}` === id);
    if (!channel) throw fail("channel_not_found");
    if (channel.is_private && !channel.members.includes(BOT.id)) throw fail("channel_not_found");
    return channel;
  };
  /** A channel the bot may post into. */
  const postableChannel = (value: unknown): FakeSlackChannel => {
    const channel = visibleChannel(value);
    if (channel.is_archived) throw fail("is_archived");
    const canPostPublic = !channel.is_private && scopes.includes("chat:write.public");
    if (!channel.members.includes(BOT.id) && !canPostPublic) throw fail("not_in_channel");
    return channel;
  };
  /** A thread_ts as Slack resolves it: a reply's ts threads under that reply's parent. */
  const threadOf = (channel: FakeSlackChannel, value: unknown): string | undefined => {
    const ts = str(value);
    if (ts === undefined || ts === "") return undefined;
    const parent = findMessage(channel.id, ts);
    if (!parent || parent.deleted) throw fail("invalid_thread_ts");
    return parent.thread_ts ?? parent.ts;
  };
  const userOf = (value: unknown): FakeSlackUser => {
    const user = users.get(str(value) ?? "");
    if (!user) throw fail("user_not_found");
    return user;
  };

  /** text + blocks of a post or update, checked as Slack checks them. */
  const content = (
    p: Record<string, unknown>,
    required: boolean,
  ): { text?: string; blocks?: Block[] } => {
    const markdown = str(p.markdown_text);
    if (markdown !== undefined) {
      // Stored as the message's text; Slack renders it as markdown.
      if (p.text !== undefined || p.blocks !== undefined) throw fail("markdown_text_conflict");
      if (markdown.length > 12_000) throw fail("msg_too_long");
      return { text: markdown };
    }
    const text = str(p.text);
    let blocks: Block[] | undefined;
    if (p.blocks !== undefined) {
      const verdict = checkMessageBlocks(p.blocks);
      if (verdict.kind === "format") throw fail("invalid_blocks_format");
      if (verdict.kind === "too_long") throw fail("msg_blocks_too_long");
      if (verdict.kind === "invalid") {
        throw fail("invalid_blocks", {
          errors: verdict.errors,
          response_metadata: { messages: verdict.errors.map((e) => `[ERROR] ${e}`) },
        });
      }
      blocks = verdict.blocks;
    }
    const hasAttachments = Array.isArray(p.attachments) && p.attachments.length > 0;
    if (required && !text && !blocks?.length && !hasAttachments) throw fail("no_text");
    if (text !== undefined && text.length > maxTextChars) throw fail("msg_too_long");
    return { ...(text !== undefined ? { text } : {}), ...(blocks ? { blocks } : {}) };
  };

  const rateLimit = (channel: string) => {
    const limit = options.chatRateLimit;
    if (!limit) return;
    const t = Date.now();
    const recent = (sendsByChannel.get(channel) ?? []).filter((at) => at > t - limit.perMs);
    if (recent.length >= limit.max) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + limit.perMs - t) / 1000));
      throw new RateLimited(retryAfter);
    }
    recent.push(t);
    sendsByChannel.set(channel, recent);
  };

  // --- Socket Mode: what the events carry ---

  const socketMode = new SocketMode({
    appId: APP_ID,
    ackDeadlineMs,
    eventRetryDelaysMs,
    disconnectGraceMs: options.disconnectGraceMs ?? 1000,
    ...(options.serverPingMs ? { serverPingMs: options.serverPingMs } : {}),
    later,
    onAck: (envelope) => {
      // A slash command's ack may carry the answer: Slack shows it to the user.
      const answer = envelope.ackPayload;
      if (envelope.type !== "slash_commands" || !answer || !(answer.text || answer.blocks)) return;
      const p = envelope.payload;
      showResponse(
        { channel: String(p.channel_id), user: String(p.user_id), kind: "slash_command" },
        answer,
        "ack",
      );
    },
  });
  const newEnvelope = socketMode.send.bind(socketMode);

  const eventCallback = (event: Record<string, unknown>) => ({
    token: "fakeVerificationToken",
    team_id: TEAM.id,
    context_team_id: TEAM.id,
    context_enterprise_id: null,
    api_app_id: APP_ID,
    event: { ...event, event_ts: event.ts ?? event.event_ts },
    type: "event_callback",
    event_id: `Ev${String(nextId++).padStart(9, "0")}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: TEAM.id,
        user_id: BOT.id,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-message-${TEAM.id}-${String(event.channel ?? "")}`,
  });

  /** An event about a channel the app listens to (subscribed to message.channels). */
  const channelEvent = (channel: string, event: Record<string, unknown>) =>
    newEnvelope(
      "events_api",
      eventCallback({
        ...event,
        channel,
        channel_type: channels.get(channel)?.is_private ? "group" : "channel",
      }),
      false,
    );

  /** The message event Slack sends for a new message. */
  const messageEvent = (m: FakeSlackMessage) => {
    const event = wireMessage(m);
    delete event.reply_count;
    delete event.latest_reply;
    if (!m.thread_ts) delete event.thread_ts;
    if (!m.bot_id) event.client_msg_id = randomUUID();
    return channelEvent(m.channel, event);
  };

  /** An edit: the event has no top-level `user` (so Bolt's ignoreSelf lets the bot's own
   * through), the message as it is now and as it was. */
  const messageChanged = (m: FakeSlackMessage, previous: Record<string, unknown>) =>
    channelEvent(m.channel, {
      type: "message",
      subtype: "message_changed",
      hidden: true,
      message: wireMessage(m),
      previous_message: previous,
      ts: newTs(),
    });

  const messageDeleted = (m: FakeSlackMessage, previous: Record<string, unknown>) =>
    channelEvent(m.channel, {
      type: "message",
      subtype: "message_deleted",
      hidden: true,
      deleted_ts: m.ts,
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      previous_message: previous,
      ts: newTs(),
    });

  // --- what people see: responses to clicks and commands ---

  /** A response_url post or a slash command's ack payload, shown as Slack shows it. */
  const showResponse = (
    origin: { channel: string; user: string; kind: ResponseUrlPost["kind"]; messageTs?: string },
    body: Record<string, unknown>,
    via: "response_url" | "ack",
  ) => {
    const text = str(body.text) ?? "";
    const blocks = Array.isArray(body.blocks) ? (body.blocks as Block[]) : undefined;
    const original = origin.messageTs ? findMessage(origin.channel, origin.messageTs) : undefined;
    if (original && bool(body.delete_original)) {
      original.deleted = true;
      return;
    }
    if (original && bool(body.replace_original)) {
      original.edits.push({
        text: original.text,
        blocks: original.blocks,
        replacedBy: "response_url",
      });
      original.text = text;
      original.blocks = blocks;
      original.edited = { user: BOT.id, ts: newTs() };
      return;
    }
    const threadTs = str(body.thread_ts) ?? original?.thread_ts;
    if (body.response_type === "in_channel") {
      postMessage({ channel: origin.channel, text, blocks, thread_ts: threadTs });
      return;
    }
    ephemerals.push({
      channel: origin.channel,
      user: origin.user,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      message_ts: newTs(),
      via,
    });
  };

  /** A message by the app's bot, stored and (as Slack does) echoed as a message event. */
  const postMessage = (m: {
    channel: string;
    text: string;
    blocks?: Block[];
    thread_ts?: string;
    metadata?: unknown;
    files?: FakeSlackMessage["files"];
  }): FakeSlackMessage => {
    const message: FakeSlackMessage = {
      channel: m.channel,
      ts: newTs(),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      user: BOT.id,
      bot_id: BOT.botId,
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
      ...(m.files ? { files: m.files } : {}),
      reactions: [],
      edits: [],
    };
    channelLog(m.channel).push(message);
    if (echoBotMessages) messageEvent(message);
    return message;
  };

  const ownMessage = (channel: FakeSlackChannel, ts: unknown, cantError: string) => {
    const m = findMessage(channel.id, str(ts));
    if (!m || m.deleted) throw fail("message_not_found");
    if (m.bot_id !== BOT.botId) throw fail(cantError);
    return m;
  };

  // --- the Web API ---

  type Method = (p: Record<string, unknown>) => unknown | Promise<unknown>;
  const methods: Record<string, Method> = {
    "api.test": (p) => ({ args: p }),
    "auth.test": () => ({
      url: `https://${TEAM.domain}.slack.com/`,
      team: TEAM.name,
      user: BOT.name,
      team_id: TEAM.id,
      user_id: BOT.id,
      bot_id: BOT.botId,
      is_enterprise_install: false,
    }),
    "apps.connections.open": () => {
      const ticket = socketMode.issueTicket();
      return { url: `${fake.url.replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=${APP_ID}` };
    },
    "conversations.info": (p) => ({ channel: wireChannel(visibleChannel(p.channel)) }),
    "conversations.history": (p) => {
      const channel = visibleChannel(p.channel);
      if (!channel.members.includes(BOT.id)) throw fail("not_in_channel");
      const top = (log.get(channel.id) ?? []).filter((m) => !m.thread_ts && !m.deleted);
      return page(top.reverse(), p);
    },
    "conversations.replies": (p) => {
      const channel = visibleChannel(p.channel);
      const parent = findMessage(channel.id, str(p.ts));
      if (!parent || parent.deleted) throw fail("thread_not_found");
      const root = parent.thread_ts ?? parent.ts;
      const thread = (log.get(channel.id) ?? []).filter(
        (m) => !m.deleted && (m.ts === root || m.thread_ts === root),
      );
      return page(thread, p);
    },
    "users.info": (p) => ({ user: wireUser(userOf(p.user)) }),
    "chat.postMessage": (p) => {
      const channel = postableChannel(p.channel);
      const threadTs = threadOf(channel, p.thread_ts);
      const { text = "", blocks } = content(p, true);
      rateLimit(channel.id);
      const m = postMessage({
        channel: channel.id,
        text,
        blocks,
        thread_ts: threadTs,
        metadata: p.metadata,
      });
      return { channel: channel.id, ts: m.ts, message: wireMessage(m) };
    },
    "chat.update": (p) => {
      const channel = postableChannel(p.channel);
      const m = ownMessage(channel, p.ts, "cant_update_message");
      const next = content(p, false);
      const previous = wireMessage(m);
      // As documented: fields left out keep their earlier value; `blocks: []` removes blocks.
      m.edits.push({ text: m.text, blocks: m.blocks, replacedBy: "chat.update" });
      if (next.text !== undefined) m.text = next.text;
      if (next.blocks !== undefined) m.blocks = next.blocks.length ? next.blocks : undefined;
      if (p.metadata !== undefined) m.metadata = p.metadata;
      m.edited = { user: BOT.id, ts: newTs() };
      if (echoBotMessages) messageChanged(m, previous);
      return { channel: channel.id, ts: m.ts, text: m.text, message: wireMessage(m) };
    },
    "chat.delete": (p) => {
      const channel = postableChannel(p.channel);
      const m = ownMessage(channel, p.ts, "cant_delete_message");
      m.deleted = true;
      if (echoBotMessages) messageDeleted(m, wireMessage(m));
      return { channel: channel.id, ts: m.ts };
    },
    "chat.postEphemeral": (p) => {
      const channel = postableChannel(p.channel);
      const user = userOf(p.user);
      if (!channel.members.includes(user.id)) throw fail("user_not_in_channel");
      const threadTs = threadOf(channel, p.thread_ts);
      const { text = "", blocks } = content(p, true);
      const message_ts = newTs();
      ephemerals.push({
        channel: channel.id,
        user: user.id,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        message_ts,
        via: "chat.postEphemeral",
      });
      return { message_ts };
    },
    "chat.getPermalink": (p) => {
      const channel = visibleChannel(p.channel);
      const m = findMessage(channel.id, str(p.message_ts));
      if (!m || m.deleted) throw fail("message_not_found");
      return {
        channel: channel.id,
        permalink: `https://${TEAM.domain}.slack.com/archives/${channel.id}/p${m.ts.replace(".", "")}`,
      };
    },
    "reactions.add": (p) => {
      const channel = visibleChannel(p.channel);
      const m = findMessage(channel.id, str(p.timestamp));
      if (!m || m.deleted) throw fail("message_not_found");
      const name = str(p.name) ?? "";
      if (!/^[a-z0-9_+'-]+$/.test(name)) throw fail("invalid_name");
      let reaction = m.reactions.find((r) => r.name === name);
      if (!reaction) {
        reaction = { name, users: [] };
        m.reactions.push(reaction);
      }
      if (reaction.users.includes(BOT.id)) throw fail("already_reacted");
      reaction.users.push(BOT.id);
      return {};
    },
    "reactions.remove": (p) => {
      const channel = visibleChannel(p.channel);
      const m = findMessage(channel.id, str(p.timestamp));
      if (!m || m.deleted) throw fail("message_not_found");
      const reaction = m.reactions.find((r) => r.name === str(p.name));
      if (!reaction?.users.includes(BOT.id)) throw fail("no_reaction");
      reaction.users = reaction.users.filter((u) => u !== BOT.id);
      m.reactions = m.reactions.filter((r) => r.users.length > 0);
      return {};
    },
    "files.upload": () => {
      throw fail("method_deprecated");
    },
    "files.getUploadURLExternal": (p) => {
      const filename = str(p.filename);
      const length = Number(p.length);
      if (!filename || !Number.isInteger(length) || length <= 0) throw fail("missing_argument");
      if (p.snippet_type !== undefined && length > 1_000_000) throw fail("snippet_too_large");
      const alt = str(p.alt_txt ?? p.alt_text);
      if (alt !== undefined && alt.length > 1000) throw fail("alt_txt_too_large");
      const file: FakeFile = {
        id: newId("F"),
        filename,
        length,
        ...(alt !== undefined ? { alt_text: alt } : {}),
        ...(p.snippet_type !== undefined ? { snippet_type: String(p.snippet_type) } : {}),
      };
      files.push(file);
      const ticket = randomUUID();
      uploadTickets.set(ticket, file);
      return { upload_url: `${fake.url}/upload/v1/${ticket}`, file_id: file.id };
    },
    "files.completeUploadExternal": (p) => {
      if (!Array.isArray(p.files) || p.files.length === 0) throw fail("invalid_arguments");
      const list = (p.files as { id?: unknown; title?: unknown }[]).map((entry) => {
        const file = files.find((f) => f.id === entry.id);
        if (!file?.bytes || file.shared) throw fail("file_not_found");
        return { file, title: str(entry.title) };
      });
      const channelId = str(p.channel_id ?? p.channels);
      let threadTs: string | undefined;
      let channel: FakeSlackChannel | undefined;
      if (channelId) {
        try {
          channel = postableChannel(channelId);
        } catch (error) {
          if (error instanceof SlackApiError && error.error === "channel_not_found") {
            throw fail("invalid_channel");
          }
          throw error;
        }
        threadTs = threadOf(channel, p.thread_ts);
      }
      const comment = str(p.initial_comment);
      const refs = list.map(({ file, title }) => {
        file.title = title ?? file.filename;
        return { id: file.id, name: file.filename, title: file.title };
      });
      let ts: string | undefined;
      if (channel) {
        const m = postMessage({
          channel: channel.id,
          text: comment ?? "",
          thread_ts: threadTs,
          files: refs,
        });
        ts = m.ts;
      }
      for (const { file } of list) {
        file.shared = {
          ...(channel ? { channel_id: channel.id } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(comment !== undefined ? { initial_comment: comment } : {}),
          ...(ts ? { ts } : {}),
        };
      }
      return {
        files: list.map(({ file }) => ({
          id: file.id,
          name: file.filename,
          title: file.title,
          size: file.length,
          user: BOT.id,
        })),
      };
    },
  };

  /** Cursor pagination as Slack pages conversations.history/replies. */
  const page = (all: FakeSlackMessage[], p: Record<string, unknown>) => {
    const limit = Math.min(Math.max(Number(p.limit) || 100, 1), 1000);
    const start = Number(str(p.cursor)?.replace(/^c/, "") ?? 0) || 0;
    const oldest = str(p.oldest);
    const latest = str(p.latest);
    const inclusive = bool(p.inclusive);
    const inRange = all.filter(
      (m) =>
        (oldest === undefined || (inclusive ? m.ts >= oldest : m.ts > oldest)) &&
        (latest === undefined || (inclusive ? m.ts <= latest : m.ts < latest)),
    );
    const slice = inRange.slice(start, start + limit);
    const more = start + limit < inRange.length;
    return {
      messages: slice.map(wireMessage),
      has_more: more,
      response_metadata: { next_cursor: more ? `c${start + limit}` : "" },
    };
  };

  const tokenOf = (req: IncomingMessage, params: Record<string, unknown>) => {
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7) : str(params.token);
    if (!token) return { kind: "none" as const };
    if (token === botToken) return { kind: "bot" as const };
    if (token === appToken) return { kind: "app" as const };
    return { kind: "invalid" as const };
  };

  const takeFault = (key: string, wildcard: boolean): SlackFault | undefined => {
    const i = faults.findIndex((f) => f.key === key || (wildcard && f.key === "*"));
    if (i < 0) return undefined;
    const entry = faults[i]!;
    if (--entry.left <= 0) faults.splice(i, 1);
    return entry.fault;
  };

  /** A fault that ends the request here: true when it has been answered (or dropped). */
  const applyFault = async (
    fault: SlackFault | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): Promise<boolean> => {
    if (!fault) return false;
    if ("drop" in fault) {
      if (fault.drop === "reset") req.socket.resetAndDestroy();
      else req.socket.destroy();
      return true;
    }
    if ("status" in fault) {
      if (fault.status === 429) {
        answer(
          429,
          { ok: false, error: "ratelimited" },
          { "retry-after": String(fault.retryAfter ?? 1) },
        );
      } else {
        answer(fault.status, {
          ok: false,
          error: fault.status === 503 ? "service_unavailable" : "internal_error",
        });
      }
      return true;
    }
    if ("error" in fault) {
      answer(200, { ok: false, error: fault.error, ...fault.extra });
      return true;
    }
    if ("delayMs" in fault) {
      await sleep(fault.delayMs);
      return res.destroyed;
    }
    return false;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL, name: string) => {
    const call: SlackApiCall = {
      method: name,
      params: {},
      token: "none",
      status: 0,
      fault: false,
      at: Date.now(),
    };
    calls.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      if (typeof body === "object" && body !== null && (body as { ok?: unknown }).ok === false) {
        call.error = String((body as { error?: unknown }).error);
      }
      // Slack names the token's scopes, and the ones the method accepts, in headers.
      const granted =
        call.token === "bot" ? scopes.join(",") : call.token === "app" ? "connections:write" : "";
      const accepted = name === "apps.connections.open" ? "connections:write" : SCOPES[name];
      send(res, status, body, {
        ...(granted ? { "x-oauth-scopes": granted } : {}),
        ...(accepted ? { "x-accepted-oauth-scopes": accepted } : {}),
        ...headers,
      });
    };
    try {
      const body = await readBody(req);
      call.params = await readParams(req, url, body);
      const token = tokenOf(req, call.params);
      call.token = token.kind;
      const fault = takeFault(name, true);
      if (fault) call.fault = true;
      if (await applyFault(fault, req, res, answer)) return;
      const delay = delays.get(name);
      if (delay) {
        await sleep(delay);
        if (res.destroyed) return;
      }
      const method = methods[name];
      if (!method) throw fail("unknown_method", { req_method: name });
      if (token.kind === "none") throw fail("not_authed");
      if (token.kind === "invalid") throw fail("invalid_auth");
      const wantsApp = name === "apps.connections.open";
      if (wantsApp !== (token.kind === "app")) throw fail("not_allowed_token_type");
      const needed = SCOPES[name];
      if (needed && token.kind === "bot") {
        const alternatives = [needed, needed.replace(/^channels:/, "groups:")];
        if (!alternatives.some((s) => scopes.includes(s))) {
          throw fail("missing_scope", { needed, provided: scopes.join(",") });
        }
      }
      const result = await method(call.params);
      if (fault && "replyDelayMs" in fault) await sleep(fault.replyDelayMs);
      answer(200, { ok: true, ...(result as object) });
    } catch (error) {
      if (error instanceof RateLimited) {
        return answer(
          429,
          { ok: false, error: "ratelimited" },
          {
            "retry-after": String(error.retryAfter),
          },
        );
      }
      if (error instanceof SlackApiError) {
        return answer(200, { ok: false, error: error.error, ...error.extra });
      }
      console.error("fake Slack handler failed:", error);
      answer(500, { ok: false, error: "internal_error" });
    }
  };

  /** The files upload URL (files.slack.com in real life): the bytes, raw or as a form. */
  const handleUpload = async (req: IncomingMessage, res: ServerResponse, ticket: string) => {
    const answer = (status: number, body: unknown) => send(res, status, body);
    if (await applyFault(takeFault("upload", false), req, res, answer)) return;
    const file = uploadTickets.get(ticket);
    if (!file) return send(res, 404, "upload ticket not found");
    const body = await readBody(req);
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    let bytes = body;
    if (type.startsWith("multipart/form-data")) {
      const form = await new Response(body, { headers: { "content-type": type } }).formData();
      const part = [...form.values()].find((v) => typeof v !== "string");
      if (part === undefined || typeof part === "string") {
        return send(res, 400, "no file in the form");
      }
      bytes = Buffer.from(await part.arrayBuffer());
    }
    file.bytes = bytes;
    uploadTickets.delete(ticket);
    send(res, 200, `OK - ${bytes.length}`);
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, url: string) => {
    const answer = (status: number, body: unknown) => send(res, status, body);
    if (await applyFault(takeFault("response_url", false), req, res, answer)) return;
    const hook = responseUrls.get(url);
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw.toString("utf8") || "{}") as Record<string, unknown>;
    } catch {
      body = { invalid: raw.toString("utf8") };
    }
    const post: ResponseUrlPost = {
      url,
      envelope_id: hook?.envelopeId ?? "",
      kind: hook?.kind ?? "block_actions",
      body,
      status: 0,
      at: Date.now(),
    };
    responsePosts.push(post);
    const reply = (status: number, error?: string) => {
      post.status = status;
      // Like an incoming webhook: a plain-text error, JSON on success.
      send(res, status, error ?? { ok: true });
    };
    if (!hook) return reply(404, "no_service");
    if (Date.now() - hook.createdAt > RESPONSE_URL_LIFETIME_MS) return reply(404, "expired_url");
    if (hook.uses >= RESPONSE_URL_USES) return reply(404, "used_url");
    if ("invalid" in body) return reply(400, "invalid_payload");
    if (body.blocks !== undefined) {
      const verdict = checkMessageBlocks(body.blocks);
      if (verdict.kind !== "ok") return reply(400, "invalid_blocks");
      body = { ...body, blocks: verdict.blocks };
    }
    const deleting = bool(body.delete_original);
    if (!deleting && !body.text && !(Array.isArray(body.blocks) && body.blocks.length)) {
      return reply(400, "no_text");
    }
    hook.uses++;
    showResponse(
      {
        channel: hook.channel,
        user: hook.user,
        kind: hook.kind,
        ...(hook.messageTs ? { messageTs: hook.messageTs } : {}),
      },
      body,
      "response_url",
    );
    reply(200);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const api = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (api) return handleApi(req, res, url, api[1]!);
    const upload = /^\/upload\/v1\/([\w-]+)$/.exec(url.pathname);
    if (upload && req.method === "POST") return handleUpload(req, res, upload[1]!);
    if (/^\/(actions|commands)\//.test(url.pathname) && req.method === "POST") {
      return handleResponseUrl(req, res, `${fake.url}${url.pathname}`);
    }
    send(res, 404, "not found");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("fake Slack failed:", error);
      send(res, 500, { ok: false, error: "internal_error" });
    });
  });
  server.on("connection", (socket: Socket) => {
    if (state === "reset") socket.resetAndDestroy();
  });
  server.on("upgrade", (req, socket, head) => socketMode.upgrade(req, socket, head));

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const cutEverything = () => {
    socketMode.drop();
    server.closeAllConnections();
  };

  await listen(0);
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const interactionIds = () => {
    const n = nextId++;
    return {
      trigger: `${n}.${TEAM.id.slice(1)}.${randomUUID().replace(/-/g, "")}`,
      hook: `${TEAM.id}/${1_000_000_000 + n}/${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    };
  };

  const fake: FakeSlack = {
    url: base,
    apiUrl: `${base}/api/`,
    botToken,
    appToken,
    userSays({ text, channel = CHANNEL.id, threadTs, user = USER.id, raw = false }) {
      const c = channels.get(channel);
      if (!c) throw new Error(`fake Slack: no channel ${channel}`);
      if (!users.has(user)) throw new Error(`fake Slack: no user ${user}`);
      const parent = threadTs ? findMessage(channel, threadTs) : undefined;
      if (threadTs && !parent) throw new Error(`fake Slack: no message ${threadTs} in ${channel}`);
      const m: FakeSlackMessage = {
        channel,
        ts: newTs(),
        ...(parent ? { thread_ts: parent.thread_ts ?? parent.ts } : {}),
        user,
        text: raw ? text : escapeText(text),
        reactions: [],
        edits: [],
      };
      channelLog(channel).push(m);
      return { ts: m.ts, envelope: messageEvent(m) };
    },
    otherBotSays({ text, channel = CHANNEL.id, threadTs, botId = "B0OTHERBOT9" }) {
      const parent = threadTs ? findMessage(channel, threadTs) : undefined;
      const m: FakeSlackMessage = {
        channel,
        ts: newTs(),
        ...(parent ? { thread_ts: parent.thread_ts ?? parent.ts } : {}),
        user: "U0OTHERBOT9",
        bot_id: botId,
        subtype: "bot_message",
        text,
        reactions: [],
        edits: [],
      };
      channelLog(channel).push(m);
      return { ts: m.ts, envelope: messageEvent(m) };
    },
    click({ messageTs, channel = CHANNEL.id, actionId, value, text, user = USER.id, stale }) {
      const m = findMessage(channel, messageTs);
      if (!m || m.deleted) throw new Error(`fake Slack: no message ${messageTs} in ${channel}`);
      const versions = stale ? [m, ...[...m.edits].reverse()] : [m];
      const buttons = versions.flatMap((v) => interactiveElements(v.blocks));
      const hit = buttons.find(({ element }) =>
        actionId !== undefined
          ? element.action_id === actionId
          : value !== undefined
            ? element.value === value
            : (element.text as { text?: string } | undefined)?.text === text,
      );
      if (!hit) {
        throw new Error(
          `fake Slack: message ${messageTs} has no button ${actionId ?? value ?? text}; has ${JSON.stringify(buttons.map((b) => b.element))}`,
        );
      }
      const person = users.get(user);
      if (!person) throw new Error(`fake Slack: no user ${user}`);
      const c = channels.get(channel)!;
      const ids = interactionIds();
      const responseUrl = `${base}/actions/${ids.hook}`;
      const payload = {
        type: "block_actions",
        user: { id: person.id, username: person.name, name: person.name, team_id: TEAM.id },
        api_app_id: APP_ID,
        token: "fakeVerificationToken",
        container: {
          type: "message",
          message_ts: m.ts,
          channel_id: channel,
          is_ephemeral: false,
          ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
        },
        trigger_id: ids.trigger,
        team: { id: TEAM.id, domain: TEAM.domain },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: channel, name: c.name },
        message: wireMessage(m),
        state: { values: {} },
        response_url: responseUrl,
        actions: [
          {
            ...hit.element,
            block_id: hit.blockId,
            action_ts: newTs(),
          },
        ],
      };
      const envelope = newEnvelope("interactive", payload, true);
      responseUrls.set(responseUrl, {
        envelopeId: envelope.envelope_id,
        kind: "block_actions",
        channel,
        user,
        messageTs: m.ts,
        ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
        createdAt: Date.now(),
        uses: 0,
      });
      return { envelope, responseUrl, triggerId: ids.trigger };
    },
    slashCommand({ command = "/tether", text = "", user = USER.id, channel = CHANNEL.id }) {
      const person = users.get(user);
      const c = channels.get(channel);
      if (!person || !c) throw new Error(`fake Slack: no user ${user} or channel ${channel}`);
      const ids = interactionIds();
      const responseUrl = `${base}/commands/${ids.hook}`;
      // The command's form fields, all strings, as Slack posts them.
      const payload = {
        token: "fakeVerificationToken",
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: channel,
        channel_name: c.is_private ? "privategroup" : c.name,
        user_id: person.id,
        user_name: person.name,
        command,
        text,
        api_app_id: APP_ID,
        is_enterprise_install: "false",
        response_url: responseUrl,
        trigger_id: ids.trigger,
      };
      const envelope = newEnvelope("slash_commands", payload, true);
      responseUrls.set(responseUrl, {
        envelopeId: envelope.envelope_id,
        kind: "slash_command",
        channel,
        user,
        createdAt: Date.now(),
        uses: 0,
      });
      return { envelope, responseUrl, triggerId: ids.trigger };
    },
    sendEnvelope: (type, payload, acceptsResponsePayload = type !== "events_api") =>
      newEnvelope(type, payload, acceptsResponsePayload),
    disconnect: (reason, connectionId) => socketMode.disconnect(reason, connectionId),
    dropConnections: () => socketMode.drop(),
    setBotMember(channel, member) {
      const c = channels.get(channel);
      if (!c) throw new Error(`fake Slack: no channel ${channel}`);
      c.members = c.members.filter((id) => id !== BOT.id);
      if (member) c.members.push(BOT.id);
    },
    archive(channel) {
      const c = channels.get(channel);
      if (!c) throw new Error(`fake Slack: no channel ${channel}`);
      c.is_archived = true;
    },
    deleteMessage(channel, ts) {
      const m = findMessage(channel, ts);
      if (!m) throw new Error(`fake Slack: no message ${ts} in ${channel}`);
      m.deleted = true;
      messageDeleted(m, wireMessage(m));
    },
    setScopes(next) {
      scopes = [...next];
    },
    inject(key, fault) {
      faults.push({ key, fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    setDelay(method, ms) {
      if (ms > 0) delays.set(method, ms);
      else delays.delete(method);
    },
    async down(mode = "refuse") {
      state = mode;
      cutEverything();
      if (mode === "refuse") await stopListening();
    },
    async up() {
      if (closed) throw new Error("fake Slack is closed");
      if (!server.listening) await listen(port);
      state = "up";
    },
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    messages({ channel = CHANNEL.id, threadTs, fromBot, includeDeleted = false } = {}) {
      return (log.get(channel) ?? []).filter(
        (m) =>
          (includeDeleted || !m.deleted) &&
          (threadTs === undefined || m.ts === threadTs || m.thread_ts === threadTs) &&
          (fromBot === undefined || (m.bot_id === BOT.botId) === fromBot),
      );
    },
    message: (channel, ts) => findMessage(channel, ts),
    ephemerals,
    files,
    responsePosts,
    envelopes: socketMode.envelopes,
    envelope: (id) => socketMode.envelopes.find((e) => e.envelope_id === id),
    lateAcks: () => socketMode.envelopes.filter((e) => e.late || e.status === "expired"),
    connections: socketMode.connections,
    openConnections: () => socketMode.open(),
    waitForCall: (method, pred = () => true) =>
      waitFor(() => fake.callsOf(method).find((c) => c.status !== 0 && pred(c)), {
        what: () =>
          `a ${method} call; calls: ${calls.map((c) => `${c.method}→${c.status}${c.error ? ` ${c.error}` : ""}`).join(", ")}`,
      }),
    waitForMessage: (pred, channel = CHANNEL.id) =>
      waitFor(() => fake.messages({ channel }).find(pred), {
        what: () =>
          `a message in ${channel}; got ${JSON.stringify(fake.messages({ channel }).map((m) => m.text))}`,
      }),
    waitForAck: (envelopeId) =>
      waitFor(
        () => {
          const e = fake.envelope(envelopeId);
          return e?.ackedAt !== undefined ? e : undefined;
        },
        {
          what: () => `an ack of ${envelopeId}: ${JSON.stringify(fake.envelope(envelopeId))}`,
        },
      ),
    waitForConnections: (n) =>
      waitFor(() => (fake.connections.length >= n ? fake.openConnections().at(-1) : undefined), {
        what: () => `${n} Socket Mode connections; got ${JSON.stringify(fake.connections)}`,
      }),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      cutEverything();
      socketMode.close();
      await stopListening();
    },
  };
  return fake;
}

class RateLimited extends Error {
  constructor(readonly retryAfter: number) {
    super("ratelimited");
  }
}
