// A fake Discord on 127.0.0.1 (free port) for the real @discordjs/core + rest + ws (REST
// `api: fake.apiUrl`, the bridge's DISCORD_API_URL; the gateway URL comes from GET /gateway/bot).
// One server holds both halves at Discord's wire protocol (shared/research/bridges.md §3):
// - REST under /api/v10: `Authorization: Bot <token>` (401 {code:0} otherwise), JSON or multipart
//   (`payload_json` + `files[n]`) bodies, Discord's error bodies {code, message, errors?}, 429 with
//   Retry-After and X-RateLimit-* headers, 5xx; interaction callbacks and webhook calls carry no
//   Authorization, the interaction's token is in the URL;
// - the gateway (discord-gateway.ts): HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE,
//   dispatches, RECONNECT, RESUME → RESUMED, INVALID_SESSION.
// The test plays the people (`userSays`, `clickButton`, `slashCommand`), injects faults per
// route, and reads what the bot did from the recorded state.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { waitFor } from "../helpers/wait.js";
import { buttonsOf, checkMessageBody, FormErrors, LIMITS } from "./discord-components.js";
import { Gateway, type GatewayConnection, INTENTS } from "./discord-gateway.js";

export { LIMITS } from "./discord-components.js";
export type { GatewayConnection, GatewaySession } from "./discord-gateway.js";
export { INTENTS, PRIVILEGED_INTENTS } from "./discord-gateway.js";

export interface FakeDiscordUser {
  id: string;
  username: string;
  global_name: string | null;
  bot?: boolean;
}

export const APPLICATION_ID = "1300000000000000001";
export const BOT: FakeDiscordUser = {
  id: APPLICATION_ID,
  username: "tether",
  global_name: "Tether",
  bot: true,
};
export const BOT_TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.Gfake1.fake-tether-bot-token-for-tests-only";
export const USER: FakeDiscordUser = {
  id: "1300000000000000101",
  username: "ada",
  global_name: "Ada Lovelace",
};
export const STRANGER: FakeDiscordUser = {
  id: "1300000000000000102",
  username: "bob",
  global_name: "Bob Stranger",
};
export const OTHER_BOT: FakeDiscordUser = {
  id: "1300000000000000103",
  username: "otherbot",
  global_name: null,
  bot: true,
};
export const GUILD = { id: "1300000000000001000", name: "Tether Test" } as const;
/** The text channel the bridge is configured with. */
export const CHANNEL = { id: "1300000000000001001", name: "tether" } as const;
export const OTHER_CHANNEL = { id: "1300000000000001002", name: "random" } as const;

/** The permissions the fake checks (all granted unless `setPermissions` says otherwise). */
export interface BotPermissions {
  viewChannel: boolean;
  sendMessages: boolean;
  sendMessagesInThreads: boolean;
  createPublicThreads: boolean;
  manageThreads: boolean;
  attachFiles: boolean;
}

export interface MessageVersion {
  content: string;
  components: unknown[];
  embeds: unknown[];
  at: number;
}

export interface FakeFile {
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

export interface FakeDiscordMessage extends MessageVersion {
  id: string;
  channel_id: string;
  author: FakeDiscordUser;
  flags: number;
  type: number;
  files: FakeFile[];
  /** Earlier versions, oldest first. */
  edits: MessageVersion[];
  edited_timestamp: string | null;
  deleted: boolean;
  /** The interaction it answers (a type 4/5 callback or a follow-up). */
  interactionId?: string;
}

export interface FakeThread {
  id: string;
  parent_id: string;
  name: string;
  /** Earlier names, oldest first. */
  renames: string[];
  archived: boolean;
  locked: boolean;
  auto_archive_duration: number;
  createdAt: number;
  deleted: boolean;
}

export interface InteractionCallback {
  type: number;
  data?: Record<string, unknown>;
  status: number;
  code?: number;
  /** ms from the INTERACTION_CREATE to this callback. */
  ms: number;
  at: number;
}

export interface FakeInteraction {
  id: string;
  token: string;
  /** 2 application command, 3 component. */
  type: 2 | 3;
  user: FakeDiscordUser;
  channel_id: string;
  /** The message the button was on (components). */
  messageId?: string;
  customId?: string;
  command?: { name: string; options: unknown[] };
  createdAt: number;
  /** Every callback attempt, answered or refused, in arrival order. */
  callbacks: InteractionCallback[];
  /** The accepted callback. */
  ack?: InteractionCallback;
  /** The message @original means (the reply, or the component's message). */
  originalId?: string;
  /** Ephemeral replies and follow-ups of this interaction. */
  followUps: string[];
}

export interface FakeEphemeral {
  id: string;
  interactionId: string;
  user: string;
  channel_id: string;
  content: string;
  components: unknown[];
  edits: MessageVersion[];
  via: "callback" | "followup";
}

export interface FakeCommand {
  id: string;
  name: string;
  description: string;
  options: unknown[];
  type: number;
  guild_id?: string;
}

export interface DiscordCall {
  method: string;
  path: string;
  /** The route's key, e.g. "POST /channels/:id/messages" (what `inject` takes). */
  route: string;
  auth: "bot" | "invalid" | "none";
  body?: unknown;
  status: number;
  /** Discord's JSON error code of a refusal. */
  code?: number;
  fault: boolean;
  at: number;
}

/** What the next matching calls get instead of a normal answer. */
export type DiscordFault = {
  times?: number;
} /** 429: `retryAfter` in s; `global` sets X-RateLimit-Global; `scope` user / shared / global. */ & (
  | { status: 429; retryAfter?: number; global?: boolean; scope?: "user" | "shared" | "global" }
  /** A Discord error answer ({code, message}), or a 5xx. */
  | { status: number; code?: number; message?: string }
  /** `reset`: TCP RST (ECONNRESET); `close`: the socket ends without a reply. */
  | { drop: "reset" | "close" }
  /** Answer normally, after this long. */
  | { delayMs: number }
  /** Do it at once, answer after this long. */
  | { replyDelayMs: number }
);

export const discord429 = (retryAfter = 1, global = false, times = 1): DiscordFault => ({
  status: 429,
  retryAfter,
  global,
  times,
});
export const serverError = (status = 500, times = 1): DiscordFault => ({ status, times });
export const discordError = (
  status: number,
  code: number,
  message: string,
  times = 1,
): DiscordFault => ({ status, code, message, times });
export const missingPermissions = (times = 1): DiscordFault =>
  discordError(403, 50013, "Missing Permissions", times);

export interface FakeDiscordOptions {
  token?: string;
  /** Privileged intents switched on in the portal (default MessageContent only). */
  allowedPrivilegedIntents?: number;
  /** HELLO's heartbeat_interval (Discord: 41250; tests: 300–1000). */
  heartbeatIntervalMs?: number;
  /** The interaction callback deadline (3000 as on Discord). */
  interactionDeadlineMs?: number;
  /** The bot's own posts come back as MESSAGE_CREATE / MESSAGE_UPDATE (true, as on Discord). */
  echoBotMessages?: boolean;
}

export interface FakeDiscord {
  url: string;
  /** For `new REST({ api: fake.apiUrl })` / DISCORD_API_URL (no version, no trailing slash). */
  apiUrl: string;
  /** `ws://…/gateway`, what /gateway/bot answers. */
  gatewayUrl: string;
  token: string;
  // --- the people ---
  /** A person writes in a channel or thread (default CHANNEL, from USER). */
  userSays(options: {
    content: string;
    channelId?: string;
    user?: FakeDiscordUser;
    mentionsBot?: boolean;
  }): FakeDiscordMessage;
  /** Another bot writes (author.bot true). */
  otherBotSays(options: { content: string; channelId?: string }): FakeDiscordMessage;
  /** A person clicks a button of a message (by custom_id or label): INTERACTION_CREATE type 3. */
  clickButton(options: {
    messageId: string;
    customId?: string;
    label?: string;
    user?: FakeDiscordUser;
    /** The button may be one an earlier version of the message had. */
    stale?: boolean;
  }): FakeInteraction;
  /** A person runs a registered slash command: INTERACTION_CREATE type 2. */
  slashCommand(options: {
    name: string;
    options?: unknown[];
    user?: FakeDiscordUser;
    channelId?: string;
  }): FakeInteraction;
  // --- the gateway ---
  reconnect(): void;
  invalidSession(resumable?: boolean): void;
  closeGateway(code: number, reason?: string): void;
  /** Cuts every gateway socket (1006); sessions stay resumable. */
  dropGateway(): void;
  /** Stop (or resume) answering heartbeats: the client should take it as a zombie. */
  setHeartbeatAcks(on: boolean): void;
  connections: GatewayConnection[];
  openConnections(): GatewayConnection[];
  waitForReady(n?: number): Promise<GatewayConnection>;
  waitForResume(): Promise<GatewayConnection>;
  // --- the server ---
  setPermissions(permissions: Partial<BotPermissions>): void;
  deleteChannel(id: string): void;
  /** Someone deletes a message: edits then get 10008. */
  deleteMessage(channelId: string, messageId: string): void;
  inject(route: string, fault: DiscordFault): void;
  clearFaults(): void;
  down(mode?: "refuse" | "reset"): Promise<void>;
  up(): Promise<void>;
  // --- state ---
  calls: DiscordCall[];
  callsOf(route: string): DiscordCall[];
  /** Messages of a channel or thread, oldest first (deleted ones only with includeDeleted). */
  messages(
    channelId?: string,
    options?: { fromBot?: boolean; includeDeleted?: boolean },
  ): FakeDiscordMessage[];
  message(id: string): FakeDiscordMessage | undefined;
  threads(): FakeThread[];
  thread(id: string): FakeThread | undefined;
  interactions: FakeInteraction[];
  interaction(id: string): FakeInteraction | undefined;
  ephemerals: FakeEphemeral[];
  commands(guildId?: string): FakeCommand[];
  waitForCall(route: string, pred?: (c: DiscordCall) => boolean): Promise<DiscordCall>;
  waitForMessage(
    pred: (m: FakeDiscordMessage) => boolean,
    channelId?: string,
  ): Promise<FakeDiscordMessage>;
  waitForAck(interactionId: string): Promise<FakeInteraction>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

const unknown = (what: string, code: number) => new ApiError(404, code, `Unknown ${what}`);
const invalidForm = (errors: FormErrors) =>
  new ApiError(400, 50035, "Invalid Form Body", errors.tree);

const DISCORD_EPOCH = 1_420_070_400_000n;
let snowflakeCounter = 0n;
/** A snowflake: ms since Discord's epoch << 22, plus a counter (unique and increasing). */
function snowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | snowflakeCounter).toString();
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Route {
  method: string;
  pattern: string;
  /** Works without Authorization (the token is in the URL). */
  open?: boolean;
  handle(
    params: Record<string, string>,
    body: Record<string, unknown>,
    files: FakeFile[],
    query: URLSearchParams,
  ): unknown;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.destroyed || res.headersSent) return;
  if (status === 204) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart with `payload_json` and `files[n]` (as @discordjs/rest sends files). */
async function parseBody(req: IncomingMessage, raw: Buffer) {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (raw.length === 0) return { body: {}, files: [] };
  const files: FakeFile[] = [];
  let body: Record<string, unknown> = {};
  try {
    if (type.startsWith("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": type } }).formData();
      for (const [key, value] of form) {
        if (key === "payload_json" && typeof value === "string") {
          body = JSON.parse(value) as Record<string, unknown>;
        } else if (typeof value !== "string") {
          files.push({
            filename: value.name,
            ...(value.type ? { contentType: value.type } : {}),
            bytes: Buffer.from(await value.arrayBuffer()),
          });
        }
      }
    } else {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    }
  } catch {
    throw new ApiError(400, 50109, "The request body contains invalid JSON.");
  }
  return { body, files };
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? BOT_TOKEN;
  const deadlineMs = options.interactionDeadlineMs ?? 3000;
  const echo = options.echoBotMessages ?? true;
  const allowedPrivileged = options.allowedPrivilegedIntents ?? INTENTS.MessageContent;
  let permissions: BotPermissions = {
    viewChannel: true,
    sendMessages: true,
    sendMessagesInThreads: true,
    createPublicThreads: true,
    manageThreads: true,
    attachFiles: true,
  };
  const calls: DiscordCall[] = [];
  const faults: { route: string; fault: DiscordFault; left: number }[] = [];
  const messages = new Map<string, FakeDiscordMessage>();
  const channelLog = new Map<string, FakeDiscordMessage[]>();
  const threads = new Map<string, FakeThread>();
  const textChannels = new Map<string, { id: string; name: string; deleted: boolean }>([
    [CHANNEL.id, { ...CHANNEL, deleted: false }],
    [OTHER_CHANNEL.id, { ...OTHER_CHANNEL, deleted: false }],
  ]);
  const interactions: FakeInteraction[] = [];
  const ephemerals: FakeEphemeral[] = [];
  const commands = new Map<string, FakeCommand[]>();
  let state: "up" | "refuse" | "reset" = "up";
  let closed = false;
  let base = "";

  const wireUser = (u: FakeDiscordUser) => ({
    id: u.id,
    username: u.username,
    global_name: u.global_name,
    discriminator: "0",
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
  });
  const member = (_user: FakeDiscordUser) => ({
    roles: [],
    nick: null,
    joined_at: "2024-01-01T00:00:00.000Z",
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
  });

  const wireChannel = (id: string) => {
    const thread = threads.get(id);
    if (thread && !thread.deleted) {
      return {
        id,
        type: 11,
        guild_id: GUILD.id,
        parent_id: thread.parent_id,
        owner_id: BOT.id,
        name: thread.name,
        last_message_id: channelLog.get(id)?.at(-1)?.id ?? null,
        rate_limit_per_user: 0,
        flags: 0,
        message_count: channelLog.get(id)?.length ?? 0,
        member_count: 1,
        total_message_sent: channelLog.get(id)?.length ?? 0,
        thread_metadata: {
          archived: thread.archived,
          auto_archive_duration: thread.auto_archive_duration,
          archive_timestamp: new Date(thread.createdAt).toISOString(),
          locked: thread.locked,
          create_timestamp: new Date(thread.createdAt).toISOString(),
        },
      };
    }
    const c = textChannels.get(id);
    if (!c || c.deleted) return undefined;
    return {
      id,
      type: 0,
      guild_id: GUILD.id,
      name: c.name,
      position: id === CHANNEL.id ? 0 : 1,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: channelLog.get(id)?.at(-1)?.id ?? null,
      rate_limit_per_user: 0,
      flags: 0,
    };
  };

  const wireMessage = (m: FakeDiscordMessage) => ({
    id: m.id,
    type: m.type,
    channel_id: m.channel_id,
    author: wireUser(m.author),
    content: m.content,
    timestamp: new Date(m.edits[0]?.at ?? m.at).toISOString(),
    edited_timestamp: m.edited_timestamp,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: m.files.map((f, i) => ({
      id: `${m.id}${i}`,
      filename: f.filename,
      size: f.bytes.length,
      url: `${base}/attachments/${m.channel_id}/${m.id}/${f.filename}`,
      proxy_url: `${base}/attachments/${m.channel_id}/${m.id}/${f.filename}`,
      ...(f.contentType ? { content_type: f.contentType } : {}),
    })),
    embeds: m.embeds,
    components: m.components,
    pinned: false,
    flags: m.flags,
    ...(threads.has(m.id) ? { thread: wireChannel(m.id) } : {}),
  });

  /** As a dispatch: without MessageContent, content and the rest are empty unless @mentioned. */
  const hideContent = (mentioned: boolean) => (d: unknown, intents: number) => {
    if (mentioned || intents & INTENTS.MessageContent) return d;
    return { ...(d as object), content: "", embeds: [], attachments: [], components: [] };
  };

  const dispatchMessage = (
    t: "MESSAGE_CREATE" | "MESSAGE_UPDATE",
    m: FakeDiscordMessage,
    mentioned = false,
  ) => {
    const d = {
      ...wireMessage(m),
      guild_id: GUILD.id,
      member: member(m.author),
      ...(mentioned ? { mentions: [{ ...wireUser(BOT), member: member(BOT) }] } : {}),
    };
    const isBot = m.author.id === BOT.id;
    gateway.dispatch(t, d, INTENTS.GuildMessages, isBot ? undefined : hideContent(mentioned));
  };

  const channelExists = (id: string) => wireChannel(id) !== undefined;
  const requireChannel = (id: string) => {
    if (!channelExists(id)) throw unknown("Channel", 10003);
    if (!permissions.viewChannel) throw new ApiError(403, 50001, "Missing Access");
  };
  const requireSend = (id: string) => {
    requireChannel(id);
    const thread = threads.get(id);
    if (thread ? !permissions.sendMessagesInThreads : !permissions.sendMessages) {
      throw new ApiError(403, 50013, "Missing Permissions");
    }
    if (thread?.locked && !permissions.manageThreads) {
      throw new ApiError(400, 50083, "Thread is archived");
    }
    if (thread?.archived) thread.archived = false; // the bot's post unarchives it
  };

  const checkedBody = (body: Record<string, unknown>, files: FakeFile[], creating: boolean) => {
    const errors = new FormErrors();
    checkMessageBody(body, errors);
    if (!errors.empty) throw invalidForm(errors);
    if (files.length > 0 && !permissions.attachFiles)
      throw new ApiError(403, 50013, "Missing Permissions");
    const content = typeof body.content === "string" ? body.content : "";
    const components = Array.isArray(body.components) ? body.components : [];
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    if (
      creating &&
      content === "" &&
      components.length === 0 &&
      embeds.length === 0 &&
      files.length === 0
    ) {
      throw new ApiError(400, 50006, "Cannot send an empty message");
    }
    return { content, components, embeds };
  };

  const newMessage = (
    channelId: string,
    author: FakeDiscordUser,
    fields: { content: string; components: unknown[]; embeds: unknown[] },
    extra: Partial<FakeDiscordMessage> = {},
  ): FakeDiscordMessage => {
    const m: FakeDiscordMessage = {
      id: snowflake(),
      channel_id: channelId,
      author,
      ...fields,
      flags: 0,
      type: 0,
      files: [],
      edits: [],
      edited_timestamp: null,
      deleted: false,
      at: Date.now(),
      ...extra,
    };
    messages.set(m.id, m);
    const log = channelLog.get(channelId) ?? [];
    log.push(m);
    channelLog.set(channelId, log);
    return m;
  };

  const editMessage = (m: FakeDiscordMessage, body: Record<string, unknown>, files: FakeFile[]) => {
    const next = checkedBody(body, files, false);
    m.edits.push({ content: m.content, components: m.components, embeds: m.embeds, at: m.at });
    if (body.content !== undefined) m.content = next.content;
    if (body.components !== undefined) m.components = next.components;
    if (body.embeds !== undefined) m.embeds = next.embeds;
    if (files.length > 0) m.files = [...m.files, ...files];
    if (
      m.content === "" &&
      m.components.length === 0 &&
      m.embeds.length === 0 &&
      m.files.length === 0
    ) {
      const previous = m.edits.pop()!;
      Object.assign(m, {
        content: previous.content,
        components: previous.components,
        embeds: previous.embeds,
      });
      throw new ApiError(400, 50006, "Cannot send an empty message");
    }
    m.at = Date.now();
    m.edited_timestamp = new Date(m.at).toISOString();
    if (echo) dispatchMessage("MESSAGE_UPDATE", m);
    return wireMessage(m);
  };

  const channelMessage = (channelId: string, messageId: string) => {
    requireChannel(channelId);
    const m = messages.get(messageId);
    if (!m || m.deleted || m.channel_id !== channelId) throw unknown("Message", 10008);
    return m;
  };

  const interactionByToken = (app: string, tok: string) => {
    const i = interactions.find((x) => x.token === tok);
    if (app !== APPLICATION_ID || !i) throw unknown("Webhook", 10015);
    if (!i.ack) throw unknown("Webhook", 10015); // no follow-ups before the ack
    return i;
  };

  const ephemeral = (
    i: FakeInteraction,
    fields: { content: string; components: unknown[] },
    via: FakeEphemeral["via"],
  ) => {
    const e: FakeEphemeral = {
      id: snowflake(),
      interactionId: i.id,
      user: i.user.id,
      channel_id: i.channel_id,
      ...fields,
      edits: [],
      via,
    };
    ephemerals.push(e);
    i.followUps.push(e.id);
    return e;
  };
  const wireEphemeral = (e: FakeEphemeral) => ({
    id: e.id,
    type: 0,
    channel_id: e.channel_id,
    author: wireUser(BOT),
    content: e.content,
    components: e.components,
    embeds: [],
    attachments: [],
    flags: 64,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
  });

  const callback = (
    params: Record<string, string>,
    body: Record<string, unknown>,
    files: FakeFile[],
  ) => {
    const i = interactions.find((x) => x.id === params.id);
    if (!i || i.token !== params.token) throw unknown("interaction", 10062);
    const cb: InteractionCallback = {
      type: Number(body.type),
      ...(body.data ? { data: body.data as Record<string, unknown> } : {}),
      status: 0,
      ms: Date.now() - i.createdAt,
      at: Date.now(),
    };
    i.callbacks.push(cb);
    const refuse = (error: ApiError) => {
      cb.status = error.status;
      cb.code = error.code;
      return error;
    };
    if (i.ack) throw refuse(new ApiError(400, 40060, "Interaction has already been acknowledged."));
    if (cb.ms > deadlineMs) throw refuse(unknown("interaction", 10062));
    const data = (body.data ?? {}) as Record<string, unknown>;
    const isComponent = i.type === 3;
    if (![4, 5, 6, 7].includes(cb.type) || (!isComponent && (cb.type === 6 || cb.type === 7))) {
      const errors = new FormErrors();
      errors.add(
        ["type"],
        "INTERACTION_CALLBACK_TYPE_INVALID",
        "Invalid interaction callback type",
      );
      throw refuse(invalidForm(errors));
    }
    const flags = Number(data.flags ?? 0);
    if (cb.type === 4 || cb.type === 7) {
      const fields = checkedBody(data, files, cb.type === 4);
      if (cb.type === 7) {
        i.ack = cb;
        cb.status = 204;
        const m = messages.get(i.messageId!)!;
        editMessage(m, data, files);
        i.originalId = m.id;
        return undefined;
      }
      i.ack = cb;
      cb.status = 204;
      if (flags & 64) {
        i.originalId = ephemeral(i, fields, "callback").id;
      } else {
        const m = newMessage(i.channel_id, BOT, fields, { type: 20, interactionId: i.id });
        m.files = files;
        i.originalId = m.id;
        if (echo) dispatchMessage("MESSAGE_CREATE", m);
      }
      return undefined;
    }
    i.ack = cb;
    cb.status = 204;
    if (cb.type === 6) {
      i.originalId = i.messageId;
    } else if (flags & 64) {
      // 5: "thinking…" until @original is edited
      i.originalId = ephemeral(i, { content: "", components: [] }, "callback").id;
    } else {
      const m = newMessage(
        i.channel_id,
        BOT,
        { content: "", components: [], embeds: [] },
        {
          type: 20,
          flags: 128,
          interactionId: i.id,
        },
      );
      i.originalId = m.id;
    }
    return undefined;
  };

  const editWebhookMessage = (
    params: Record<string, string>,
    body: Record<string, unknown>,
    files: FakeFile[],
  ) => {
    const i = interactionByToken(params.app!, params.token!);
    const id = params.mid === "@original" ? i.originalId : params.mid;
    const e = ephemerals.find((x) => x.id === id && x.interactionId === i.id);
    if (e) {
      const errors = new FormErrors();
      checkMessageBody(body, errors);
      if (!errors.empty) throw invalidForm(errors);
      e.edits.push({ content: e.content, components: e.components, embeds: [], at: Date.now() });
      if (typeof body.content === "string") e.content = body.content;
      if (Array.isArray(body.components)) e.components = body.components;
      return wireEphemeral(e);
    }
    const m = id ? messages.get(id) : undefined;
    if (!m || m.deleted) throw unknown("Message", 10008);
    if (m.flags & 128) m.flags &= ~128; // a deferred reply's placeholder gets its content
    return editMessage(m, body, files);
  };

  const routes: Route[] = [
    {
      method: "GET",
      pattern: "/gateway",
      open: true,
      handle: () => ({ url: `${base.replace("http", "ws")}/gateway` }),
    },
    {
      method: "GET",
      pattern: "/gateway/bot",
      handle: () => ({
        url: `${base.replace("http", "ws")}/gateway`,
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: 999,
          reset_after: 14_400_000,
          max_concurrency: 1,
        },
      }),
    },
    {
      method: "GET",
      pattern: "/users/@me",
      handle: () => ({ ...wireUser(BOT), verified: true, flags: 0, mfa_enabled: false }),
    },
    {
      method: "GET",
      pattern: "/applications/@me",
      // The bot's application: its id is the bot user's (as for every app made since 2020).
      handle: () => ({
        id: APPLICATION_ID,
        name: BOT.username,
        description: "",
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: "0".repeat(64),
        flags: 1 << 19,
        bot: wireUser(BOT),
      }),
    },
    {
      method: "GET",
      pattern: "/channels/:id",
      handle: ({ id }) => {
        requireChannel(id!);
        return wireChannel(id!);
      },
    },
    {
      method: "PATCH",
      pattern: "/channels/:id",
      handle: ({ id }, body) => {
        requireChannel(id!);
        const thread = threads.get(id!);
        if (!thread) throw new ApiError(403, 50013, "Missing Permissions"); // the bot may not edit channels
        if (body.name !== undefined) {
          const name = String(body.name);
          if (name.length < 1 || name.length > LIMITS.threadName) {
            const errors = new FormErrors();
            errors.add(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
            throw invalidForm(errors);
          }
          thread.renames.push(thread.name);
          thread.name = name;
        }
        if (typeof body.archived === "boolean") thread.archived = body.archived;
        if (typeof body.locked === "boolean") thread.locked = body.locked;
        gateway.dispatch("THREAD_UPDATE", wireChannel(id!), INTENTS.Guilds);
        return wireChannel(id!);
      },
    },
    {
      method: "GET",
      pattern: "/channels/:id/messages/:mid",
      handle: ({ id, mid }) => wireMessage(channelMessage(id!, mid!)),
    },
    {
      method: "POST",
      pattern: "/channels/:id/messages",
      handle: ({ id }, body, files) => {
        requireSend(id!);
        const m = newMessage(id!, BOT, checkedBody(body, files, true));
        m.files = files;
        if (echo) dispatchMessage("MESSAGE_CREATE", m);
        return wireMessage(m);
      },
    },
    {
      method: "PATCH",
      pattern: "/channels/:id/messages/:mid",
      handle: ({ id, mid }, body, files) => {
        const m = channelMessage(id!, mid!);
        if (m.author.id !== BOT.id)
          throw new ApiError(403, 50005, "Cannot edit a message authored by another user");
        return editMessage(m, body, files);
      },
    },
    {
      method: "DELETE",
      pattern: "/channels/:id/messages/:mid",
      handle: ({ id, mid }) => {
        const m = channelMessage(id!, mid!);
        if (m.author.id !== BOT.id && !permissions.manageThreads)
          throw new ApiError(403, 50013, "Missing Permissions");
        m.deleted = true;
        gateway.dispatch(
          "MESSAGE_DELETE",
          { id: m.id, channel_id: m.channel_id, guild_id: GUILD.id },
          INTENTS.GuildMessages,
        );
        return undefined;
      },
    },
    {
      method: "POST",
      pattern: "/channels/:id/messages/:mid/threads",
      handle: ({ id, mid }, body) => {
        const m = channelMessage(id!, mid!);
        if (threads.has(id!))
          throw new ApiError(400, 50024, "Cannot execute action on this channel type");
        if (!permissions.createPublicThreads) throw new ApiError(403, 50013, "Missing Permissions");
        if (threads.has(m.id))
          throw new ApiError(400, 160004, "A thread has already been created for this message");
        const name = typeof body.name === "string" ? body.name : "";
        if (name.length < 1 || name.length > LIMITS.threadName) {
          const errors = new FormErrors();
          errors.add(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
          throw invalidForm(errors);
        }
        const thread: FakeThread = {
          id: m.id,
          parent_id: id!,
          name,
          renames: [],
          archived: false,
          locked: false,
          auto_archive_duration: Number(body.auto_archive_duration ?? 4320),
          createdAt: Date.now(),
          deleted: false,
        };
        threads.set(thread.id, thread);
        m.flags |= 32; // HAS_THREAD
        gateway.dispatch(
          "THREAD_CREATE",
          { ...wireChannel(thread.id), newly_created: true },
          INTENTS.Guilds,
        );
        return wireChannel(thread.id);
      },
    },
    {
      method: "POST",
      pattern: "/interactions/:id/:token/callback",
      open: true,
      handle: (params, body, files) => callback(params, body, files),
    },
    {
      method: "GET",
      pattern: "/webhooks/:app/:token/messages/:mid",
      open: true,
      handle: ({ app, token: tok, mid }) => {
        const i = interactionByToken(app!, tok!);
        const id = mid === "@original" ? i.originalId : mid;
        const e = ephemerals.find((x) => x.id === id);
        if (e) return wireEphemeral(e);
        const m = id ? messages.get(id) : undefined;
        if (!m || m.deleted) throw unknown("Message", 10008);
        return wireMessage(m);
      },
    },
    {
      method: "PATCH",
      pattern: "/webhooks/:app/:token/messages/:mid",
      open: true,
      handle: (params, body, files) => editWebhookMessage(params, body, files),
    },
    {
      method: "DELETE",
      pattern: "/webhooks/:app/:token/messages/:mid",
      open: true,
      handle: ({ app, token: tok, mid }) => {
        const i = interactionByToken(app!, tok!);
        const id = mid === "@original" ? i.originalId : mid;
        const m = id ? messages.get(id) : undefined;
        if (m && !m.deleted) m.deleted = true;
        else if (!ephemerals.some((e) => e.id === id)) throw unknown("Message", 10008);
        return undefined;
      },
    },
    {
      method: "POST",
      pattern: "/webhooks/:app/:token",
      open: true,
      handle: ({ app, token: tok }, body, files) => {
        const i = interactionByToken(app!, tok!);
        const fields = checkedBody(body, files, true);
        if (Number(body.flags ?? 0) & 64) return wireEphemeral(ephemeral(i, fields, "followup"));
        const m = newMessage(i.channel_id, BOT, fields, { interactionId: i.id });
        m.files = files;
        i.followUps.push(m.id);
        if (echo) dispatchMessage("MESSAGE_CREATE", m);
        return wireMessage(m);
      },
    },
    {
      method: "GET",
      pattern: "/applications/:app/guilds/:guild/commands",
      handle: ({ app, guild }) => {
        if (app !== APPLICATION_ID) throw unknown("Application", 10002);
        return commands.get(guild!) ?? [];
      },
    },
    {
      method: "PUT",
      pattern: "/applications/:app/guilds/:guild/commands",
      handle: ({ app, guild }, body) => registerCommands(app!, guild!, body),
    },
    {
      method: "PUT",
      pattern: "/applications/:app/commands",
      handle: ({ app }, body) => registerCommands(app!, "global", body),
    },
  ];

  function registerCommands(app: string, guild: string, body: unknown): FakeCommand[] {
    if (app !== APPLICATION_ID) throw unknown("Application", 10002);
    if (guild !== "global" && guild !== GUILD.id) throw new ApiError(403, 50001, "Missing Access");
    if (!Array.isArray(body)) {
      throw new ApiError(400, 50035, "Invalid Form Body", {
        _errors: [
          { code: "LIST_TYPE_CONVERT", message: "Only iterables may be used in a ListType" },
        ],
      });
    }
    const errors = new FormErrors();
    const list = (body as Record<string, unknown>[]).map((c, n) => {
      const name = String(c.name ?? "");
      if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || name !== name.toLowerCase()) {
        errors.add([n, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
      }
      const description = String(c.description ?? "");
      if (Number(c.type ?? 1) === 1 && (description.length < 1 || description.length > 100)) {
        errors.add(
          [n, "description"],
          "BASE_TYPE_BAD_LENGTH",
          "Must be between 1 and 100 in length.",
        );
      }
      const previous = commands.get(guild)?.find((p) => p.name === name);
      return {
        id: previous?.id ?? snowflake(),
        application_id: APPLICATION_ID,
        name,
        description,
        options: Array.isArray(c.options) ? c.options : [],
        type: Number(c.type ?? 1),
        version: snowflake(),
        ...(guild !== "global" ? { guild_id: guild } : {}),
      };
    });
    if (!errors.empty) throw invalidForm(errors);
    commands.set(guild, list);
    return list;
  }

  const matchRoute = (method: string, path: string) => {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    for (const route of routes) {
      if (route.method !== method) continue;
      const pattern = route.pattern.split("/").filter(Boolean);
      if (pattern.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = pattern.every((p, i) => {
        if (p.startsWith(":")) {
          params[p.slice(1)] = parts[i]!;
          return true;
        }
        return p === parts[i];
      });
      if (ok) return { route, params };
    }
    return undefined;
  };

  const takeFault = (route: string): DiscordFault | undefined => {
    const i = faults.findIndex((f) => f.route === route || f.route === "*");
    if (i < 0) return undefined;
    const entry = faults[i]!;
    if (--entry.left <= 0) faults.splice(i, 1);
    return entry.fault;
  };

  const answerFault = (
    fault: DiscordFault & { status: number },
    res: ServerResponse,
    call: DiscordCall,
    route: string,
  ) => {
    call.status = fault.status;
    if (fault.status === 429) {
      const f = fault as { retryAfter?: number; global?: boolean; scope?: string };
      const retryAfter = f.retryAfter ?? 1;
      const scope = f.scope ?? (f.global ? "global" : "user");
      const headers: Record<string, string> = {
        "retry-after": String(Math.ceil(retryAfter)),
        "x-ratelimit-scope": scope,
      };
      if (f.global) headers["x-ratelimit-global"] = "true";
      else {
        Object.assign(headers, {
          "x-ratelimit-limit": "5",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String((Date.now() + retryAfter * 1000) / 1000),
          "x-ratelimit-reset-after": String(retryAfter),
          "x-ratelimit-bucket": Buffer.from(route).toString("hex").slice(0, 32),
        });
      }
      send(
        res,
        429,
        {
          message: "You are being rate limited.",
          retry_after: retryAfter,
          global: Boolean(f.global),
        },
        headers,
      );
      return;
    }
    const f = fault as { code?: number; message?: string };
    if (f.code !== undefined) call.code = f.code;
    send(res, fault.status, {
      message:
        f.message ?? `${fault.status}: ${fault.status >= 500 ? "Internal Server Error" : "Error"}`,
      code: f.code ?? 0,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!url.pathname.startsWith("/api/v10/")) {
      return send(res, 404, { message: "404: Not Found", code: 0 });
    }
    const path = url.pathname.slice("/api/v10".length);
    const method = (req.method ?? "GET").toUpperCase();
    const match = matchRoute(method, path);
    const authHeader = req.headers.authorization;
    const call: DiscordCall = {
      method,
      path,
      route: match ? `${method} ${match.route.pattern}` : `${method} ${path}`,
      auth: authHeader === undefined ? "none" : authHeader === `Bot ${token}` ? "bot" : "invalid",
      status: 0,
      fault: false,
      at: Date.now(),
    };
    calls.push(call);
    const raw = await readBody(req);
    if (!match) {
      call.status = 404;
      return send(res, 404, { message: "404: Not Found", code: 0 });
    }
    const fault = takeFault(call.route);
    let replyDelayMs = 0;
    if (fault) {
      call.fault = true;
      if ("drop" in fault) {
        if (fault.drop === "reset") req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      }
      if ("status" in fault) return answerFault(fault, res, call, call.route);
      if ("delayMs" in fault) await sleep(fault.delayMs);
      if ("replyDelayMs" in fault) replyDelayMs = fault.replyDelayMs;
    }
    let status = 200;
    let answer: unknown;
    try {
      if (!match.route.open && call.auth !== "bot") throw new ApiError(401, 0, "401: Unauthorized");
      const { body, files } = await parseBody(req, raw);
      call.body = files.length > 0 ? { ...body, files: files.map((f) => f.filename) } : body;
      answer = match.route.handle(match.params, body, files, url.searchParams);
      if (answer === undefined) {
        status = 204;
        if (
          match.route.pattern.endsWith("/callback") &&
          url.searchParams.get("with_response") === "true"
        ) {
          const i = interactions.find((x) => x.id === match.params.id)!;
          status = 200;
          answer = { interaction: { id: i.id, type: i.type, response_message_id: i.originalId } };
        }
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      call.code = error.code;
      answer = {
        message: error.message,
        code: error.code,
        ...(error.errors ? { errors: error.errors } : {}),
      };
    }
    call.status = status;
    if (replyDelayMs > 0) await sleep(replyDelayMs);
    send(res, status, answer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("fake Discord failed:", error);
      send(res, 500, { message: "500: Internal Server Error", code: 0 });
    });
  });
  server.on("connection", (socket: Socket) => {
    if (state === "reset") socket.resetAndDestroy();
  });

  const readyPayload = () => ({
    v: 10,
    user_settings: {},
    user: { ...wireUser(BOT), verified: true, flags: 0, mfa_enabled: false },
    guilds: [{ id: GUILD.id, unavailable: true }],
    session_type: "normal",
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
    application: { id: APPLICATION_ID, flags: 1 << 19 },
    _trace: ["fake-gateway"],
  });
  const guildCreates = () => [
    {
      id: GUILD.id,
      name: GUILD.name,
      icon: null,
      owner_id: USER.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: GUILD.id,
          name: "@everyone",
          permissions: "1071698660929",
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      joined_at: "2024-01-01T00:00:00.000Z",
      large: false,
      unavailable: false,
      member_count: 4,
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      channels: [...textChannels.keys()].map(wireChannel).filter(Boolean),
      threads: [...threads.values()]
        .filter((t) => !t.deleted && !t.archived)
        .map((t) => wireChannel(t.id)),
      preferred_locale: "en-US",
      premium_tier: 0,
      nsfw_level: 0,
      application_id: null,
      rules_channel_id: null,
      public_updates_channel_id: null,
      lazy: true,
    },
  ];

  const gateway = new Gateway({
    token: () => token,
    allowedPrivilegedIntents: () => allowedPrivileged,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    base: () => base.replace("http", "ws"),
    readyPayload,
    guildCreates,
  });
  server.on("upgrade", (req, socket, head) => gateway.upgrade(req, socket, head));

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

  await listen(0);
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  const newInteraction = (
    fields: Omit<FakeInteraction, "id" | "token" | "createdAt" | "callbacks" | "followUps">,
  ) => {
    const i: FakeInteraction = {
      id: snowflake(),
      token: `aW50ZXJhY3Rpb246${snowflake()}:${Math.random().toString(36).slice(2)}`,
      createdAt: Date.now(),
      callbacks: [],
      followUps: [],
      ...fields,
    };
    interactions.push(i);
    return i;
  };
  const interactionPayload = (i: FakeInteraction, data: unknown, message?: FakeDiscordMessage) => ({
    id: i.id,
    application_id: APPLICATION_ID,
    type: i.type,
    data,
    guild_id: GUILD.id,
    guild: { id: GUILD.id, locale: "en-US", features: [] },
    channel_id: i.channel_id,
    channel: wireChannel(i.channel_id),
    member: { ...member(i.user), user: wireUser(i.user), permissions: "1071698660929" },
    token: i.token,
    version: 1,
    ...(message ? { message: wireMessage(message) } : {}),
    app_permissions: "1071698660929",
    locale: "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": GUILD.id },
    context: 0,
    attachment_size_limit: 10_485_760,
  });

  const fake: FakeDiscord = {
    url: base,
    apiUrl: `${base}/api`,
    gatewayUrl: `${base.replace("http", "ws")}/gateway`,
    token,
    userSays({ content, channelId = CHANNEL.id, user = USER, mentionsBot = false }) {
      if (!channelExists(channelId)) throw new Error(`fake Discord: no channel ${channelId}`);
      const text = mentionsBot ? `<@${BOT.id}> ${content}` : content;
      const m = newMessage(channelId, user, { content: text, components: [], embeds: [] });
      dispatchMessage("MESSAGE_CREATE", m, mentionsBot);
      return m;
    },
    otherBotSays({ content, channelId = CHANNEL.id }) {
      const m = newMessage(channelId, OTHER_BOT, { content, components: [], embeds: [] });
      dispatchMessage("MESSAGE_CREATE", m);
      return m;
    },
    clickButton({ messageId, customId, label, user = USER, stale = false }) {
      const m = messages.get(messageId);
      if (!m || m.deleted) throw new Error(`fake Discord: no message ${messageId}`);
      // A client that has not caught up with an edit still shows an earlier version's buttons.
      const versions = stale ? [m.components, ...m.edits.map((e) => e.components)] : [m.components];
      const button = versions
        .flatMap((components) => buttonsOf(components))
        .find((b) => (customId !== undefined ? b.custom_id === customId : b.label === label));
      if (!button || typeof button.custom_id !== "string") {
        throw new Error(
          `fake Discord: message ${messageId} has no button ${customId ?? label}; has ${JSON.stringify(buttonsOf(m.components))}`,
        );
      }
      const i = newInteraction({
        type: 3,
        user,
        channel_id: m.channel_id,
        messageId,
        customId: button.custom_id,
      });
      gateway.dispatch(
        "INTERACTION_CREATE",
        interactionPayload(i, { custom_id: button.custom_id, component_type: 2 }, m),
      );
      return i;
    },
    slashCommand({ name, options: commandOptions = [], user = USER, channelId = CHANNEL.id }) {
      const command = [...(commands.get(GUILD.id) ?? []), ...(commands.get("global") ?? [])].find(
        (c) => c.name === name,
      );
      if (!command) throw new Error(`fake Discord: no command /${name} registered`);
      const i = newInteraction({
        type: 2,
        user,
        channel_id: channelId,
        command: { name, options: commandOptions },
      });
      gateway.dispatch(
        "INTERACTION_CREATE",
        interactionPayload(i, {
          id: command.id,
          name,
          type: 1,
          options: commandOptions,
          ...(command.guild_id ? { guild_id: command.guild_id } : {}),
        }),
      );
      return i;
    },
    reconnect: () => gateway.reconnect(),
    invalidSession: (resumable) => gateway.invalidSession(resumable),
    closeGateway: (code, reason) => gateway.closeWith(code, reason),
    dropGateway: () => gateway.drop(),
    setHeartbeatAcks(on) {
      gateway.ackHeartbeats = on;
    },
    connections: gateway.connections,
    openConnections: () => gateway.open(),
    waitForReady: (n = 1) =>
      waitFor(() => gateway.connections.filter((c) => c.identified).at(n - 1), {
        what: () => `${n} IDENTIFY; connections ${JSON.stringify(gateway.connections)}`,
      }),
    waitForResume: () =>
      waitFor(() => gateway.connections.find((c) => c.resumed?.ok), {
        what: () => `a RESUME; connections ${JSON.stringify(gateway.connections)}`,
      }),
    setPermissions(next) {
      permissions = { ...permissions, ...next };
    },
    deleteChannel(id) {
      const thread = threads.get(id);
      if (thread) thread.deleted = true;
      const c = textChannels.get(id);
      if (c) c.deleted = true;
    },
    deleteMessage(channelId, messageId) {
      const m = messages.get(messageId);
      if (!m || m.channel_id !== channelId)
        throw new Error(`fake Discord: no message ${messageId}`);
      m.deleted = true;
      gateway.dispatch(
        "MESSAGE_DELETE",
        { id: m.id, channel_id: channelId, guild_id: GUILD.id },
        INTENTS.GuildMessages,
      );
    },
    inject(route, fault) {
      faults.push({ route, fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    async down(mode = "refuse") {
      state = mode;
      gateway.drop();
      server.closeAllConnections();
      if (mode === "refuse") await stopListening();
    },
    async up() {
      if (closed) throw new Error("fake Discord is closed");
      if (!server.listening) await listen(port);
      state = "up";
    },
    calls,
    callsOf: (route) => calls.filter((c) => c.route === route),
    messages: (channelId = CHANNEL.id, { fromBot, includeDeleted = false } = {}) =>
      (channelLog.get(channelId) ?? []).filter(
        (m) =>
          (includeDeleted || !m.deleted) &&
          (fromBot === undefined || (m.author.id === BOT.id) === fromBot),
      ),
    message: (id) => messages.get(id),
    threads: () => [...threads.values()],
    thread: (id) => threads.get(id),
    interactions,
    interaction: (id) => interactions.find((i) => i.id === id),
    ephemerals,
    commands: (guildId = GUILD.id) => commands.get(guildId) ?? [],
    waitForCall: (route, pred = () => true) =>
      waitFor(() => fake.callsOf(route).find((c) => c.status !== 0 && pred(c)), {
        what: () =>
          `a ${route} call; calls: ${calls.map((c) => `${c.route}→${c.status}${c.code ? ` ${c.code}` : ""}`).join(", ")}`,
      }),
    waitForMessage: (pred, channelId = CHANNEL.id) =>
      waitFor(() => fake.messages(channelId).find(pred), {
        what: () =>
          `a message in ${channelId}; got ${JSON.stringify(fake.messages(channelId).map((m) => m.content))}`,
      }),
    waitForAck: (id) =>
      waitFor(
        () => {
          const i = fake.interaction(id);
          return i?.ack ? i : undefined;
        },
        {
          what: () =>
            `an ack of interaction ${id}: ${JSON.stringify(fake.interaction(id)?.callbacks)}`,
        },
      ),
    async close() {
      if (closed) return;
      closed = true;
      gateway.close();
      await stopListening();
    },
  };
  return fake;
}
