// A fake Telegram Bot API server on 127.0.0.1 (free port) for the real grammY client
// (`new Bot(token, { client: { apiRoot: fake.url } })`; the bridge reads TELEGRAM_API_ROOT).
// At the wire it behaves as the real one (shared/research/bridges.md §1): `POST /bot<token>/<method>`
// with a JSON, urlencoded or multipart body; every reply is a Bot API envelope with the matching
// HTTP status; 401 "Unauthorized" for another token, 404 "Not Found" for an unknown method;
// getUpdates long polls and a newer poll ends the waiting one with 409. The test plays the user
// (`userSends`, `clickButton`), injects faults per method (`inject`), takes the server down and up,
// and reads what the bot did from the recorded state (`messages`, `topics`, `callbackAnswers`…).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { waitFor } from "../helpers/wait.js";
import { type MessageEntity, parseHtml } from "./telegram-html.js";

export type { MessageEntity } from "./telegram-html.js";

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface FakeChatConfig {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  username?: string;
  is_forum?: boolean;
  /** The bot is an admin with can_manage_topics (default true). */
  canManageTopics?: boolean;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

/** One version of a message's content; `edits` keeps the earlier ones. */
export interface MessageVersion {
  /** The text as Telegram shows it (HTML parsed away). */
  text: string;
  /** The text as the bot sent it (the HTML source when parse_mode is HTML). */
  source: string;
  parse_mode?: string;
  entities: MessageEntity[];
  reply_markup?: InlineKeyboardMarkup;
  date: number;
}

export interface FakeMessage extends MessageVersion {
  message_id: number;
  chat_id: number;
  message_thread_id?: number;
  /** The bot's own messages have the bot as sender. */
  from: TgUser;
  /** Earlier versions, oldest first (editMessageText). */
  edits: MessageVersion[];
  edit_date?: number;
  document?: { file_id: string; file_name: string; mime_type?: string; bytes: Buffer };
  /** A service message (forum_topic_created): the topic's first message. */
  service?: "forum_topic_created";
}

export interface FakeTopic {
  chat_id: number;
  message_thread_id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id?: string;
  /** Earlier names, oldest first (editForumTopic). */
  renames: string[];
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface ChatAction {
  chat_id: number;
  action: string;
  message_thread_id?: number;
  at: number;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  /** HTTP status answered (0 while pending, or when the connection was dropped). */
  status: number;
  description?: string;
  /** Answered by an injected fault. */
  fault: boolean;
}

/** What the next matching calls get instead of a normal answer. */
export type Fault = { times?: number } & (
  | { status: number; description?: string; retryAfter?: number }
  /** `reset`: TCP RST, no reply (ECONNRESET); `close`: the socket ends without a reply. */
  | { drop: "reset" | "close" }
  /** Answer normally, after this long. */
  | { delayMs: number }
  /** Handle the call at once, but send the answer only after this long (and only if the client
   * is still there): a reply slow on its way back, so the call is done while the client still
   * waits, as when a client dies between Telegram's doing it and its hearing so. */
  | { replyDelayMs: number }
);

export const tooManyRequests = (retryAfter: number, times = 1): Fault => ({
  status: 429,
  retryAfter,
  times,
});
export const serverError = (status = 500, times = 1): Fault => ({ status, times });

export interface FakeTelegramOptions {
  token?: string;
  /** Default: `FORUM_CHAT` (a forum supergroup), `GROUP_CHAT` (a plain supergroup), `PRIVATE_CHAT`. */
  chats?: FakeChatConfig[];
  /** Upper bound on a getUpdates hold, whatever timeout the client asks (default 50 s, as real). */
  maxPollSeconds?: number;
  /** Optional per-chat limit on sends (sendMessage, sendDocument): over it → 429 retry_after. */
  chatRateLimit?: { max: number; perMs: number };
}

export const DEFAULT_TOKEN = "123456789:AAFakeTokenForTetherTests_xxxxxxxxxxx";
export const USER: TgUser = { id: 1001, is_bot: false, first_name: "Ada", username: "ada" };
export const FORUM_CHAT: FakeChatConfig = {
  id: -1001000000001,
  type: "supergroup",
  title: "Tether",
  is_forum: true,
};
export const GROUP_CHAT: FakeChatConfig = {
  id: -1001000000002,
  type: "supergroup",
  title: "Plain group",
};
export const PRIVATE_CHAT: FakeChatConfig = { id: USER.id, type: "private" };

export interface FakeTelegram {
  /** The apiRoot, without a trailing slash (grammY throws on one). */
  url: string;
  token: string;
  bot: TgUser;
  // --- the user side ---
  /** A user writes `text` in a chat (default the forum chat), in a topic if `threadId`. */
  userSends(options: {
    text: string;
    chatId?: number;
    threadId?: number;
    from?: TgUser;
  }): Record<string, unknown>;
  /** A user presses the inline button (by callback_data, else by label) of a bot message;
   * returns the callback query id. With `stale`, the button may be one an earlier version of the
   * message had: a client that has not caught up with an edit still shows it, and Telegram still
   * delivers the press. */
  clickButton(options: {
    messageId: number;
    chatId?: number;
    data?: string;
    text?: string;
    from?: TgUser;
    stale?: boolean;
  }): string;
  /** Queues any update (`update_id` is added). Returns the update id. */
  pushUpdate(update: Record<string, unknown>): number;
  /** An admin deletes a forum topic in the app: it goes with its messages, and sending into it
   * gets "message thread not found". */
  deleteTopic(threadId: number, chatId?: number): void;
  /** An admin deletes a message in the app: editing it then gets "message to edit not found". */
  deleteMessage(messageId: number, chatId?: number): void;
  // --- faults ---
  /** The next `times` (default 1) calls of `method` ("*" for any) get `fault`. */
  inject(method: string, fault: Fault): void;
  clearFaults(): void;
  /** An outage: `refuse` stops listening (ECONNREFUSED), `reset` accepts and resets every
   * connection (ECONNRESET). Open connections and waiting polls are cut either way. */
  down(mode?: "refuse" | "reset"): Promise<void>;
  up(): Promise<void>;
  // --- state ---
  calls: ApiCall[];
  callsOf(method: string): ApiCall[];
  /** Messages of a chat (default the forum chat), oldest first; with `threadId`, one topic's. */
  messages(options?: { chatId?: number; threadId?: number; fromBot?: boolean }): FakeMessage[];
  message(chatId: number, messageId: number): FakeMessage | undefined;
  topics(chatId?: number): FakeTopic[];
  pinned(chatId?: number): number[];
  callbackAnswers: CallbackAnswer[];
  chatActions: ChatAction[];
  /** Updates queued and not yet confirmed by a getUpdates offset. */
  pendingUpdates(): Record<string, unknown>[];
  /** True while a getUpdates request is held open. */
  polling(): boolean;
  /** Waits until a call of `method` has been answered (and matches `pred`). */
  waitForCall(method: string, pred?: (call: ApiCall) => boolean): Promise<ApiCall>;
  waitForMessage(pred: (m: FakeMessage) => boolean, chatId?: number): Promise<FakeMessage>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const bad = (what: string) => new ApiError(400, `Bad Request: ${what}`);

/** Fields the Bot API accepts JSON-serialized in form bodies. */
const JSON_FIELDS = new Set([
  "reply_markup",
  "allowed_updates",
  "entities",
  "caption_entities",
  "link_preview_options",
  "reply_parameters",
]);

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

/** Update kinds left out when allowed_updates is empty or never set. */
const NOT_BY_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

const now = () => Math.floor(Date.now() / 1000);

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** multipart/form-data as grammY writes it (`content-disposition:form-data;name="x";filename=y`,
 * no space, filename unquoted), which undici's `Response.formData()` refuses. Files become `File`s. */
function parseMultipart(body: Buffer, type: string): Record<string, unknown> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) throw bad("can't parse multipart body");
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const params: Record<string, unknown> = {};
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === "--") break;
    const end = body.indexOf(delimiter, partStart);
    if (end < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF.
    const part = body.subarray(partStart + 2, end - 2);
    const split = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, split).toString("utf8");
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename=(?:"([^"]*)"|([^;\r\n]+))/i.exec(headers);
    const mime = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1]?.trim();
    if (name !== undefined) {
      params[name] = filename
        ? new File([content], filename[1] ?? filename[2] ?? "file", mime ? { type: mime } : {})
        : content.toString("utf8");
    }
    start = end;
  }
  return params;
}

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = req.headers["content-type"] ?? "";
  if (body.length === 0) return params;
  if (type.startsWith("application/json")) {
    try {
      Object.assign(params, JSON.parse(body.toString("utf8")));
    } catch {
      throw bad("can't parse JSON object");
    }
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
  } else if (type.startsWith("multipart/form-data")) {
    Object.assign(params, parseMultipart(body, type));
  }
  for (const key of JSON_FIELDS) {
    const value = params[key];
    if (typeof value === "string") {
      try {
        params[key] = JSON.parse(value);
      } catch {
        throw bad(`can't parse ${key} JSON object`);
      }
    }
  }
  return params;
}

function int(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

function bool(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === true || value === "true" || value === "1";
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

function checkMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined || markup === null) return undefined;
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined; // a reply keyboard etc.: not modelled
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  for (const row of rows as unknown[][]) {
    for (const button of row as InlineKeyboardButton[]) {
      if (typeof button?.text !== "string") {
        throw bad('can\'t parse inline keyboard button: Field "text" must be of type String');
      }
      if (button.callback_data !== undefined) {
        const size = Buffer.byteLength(String(button.callback_data));
        if (size < 1 || size > 64) throw bad("BUTTON_DATA_INVALID");
      } else if (!Object.keys(button).some((k) => k !== "text")) {
        throw bad(
          "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        );
      }
    }
  }
  if (rows.length === 0) return undefined;
  return markup as InlineKeyboardMarkup;
}

/** Text (or a caption) with its parse mode, as Telegram would store it. */
function parseText(
  source: string,
  parseMode: string | undefined,
  entities: unknown,
): { text: string; entities: MessageEntity[] } {
  if (parseMode === undefined || parseMode === "") {
    return { text: source, entities: Array.isArray(entities) ? (entities as MessageEntity[]) : [] };
  }
  if (parseMode.toLowerCase() === "html") {
    const parsed = parseHtml(source);
    if ("error" in parsed) throw bad(`can't parse entities: ${parsed.error}`);
    return parsed;
  }
  if (["markdown", "markdownv2"].includes(parseMode.toLowerCase())) {
    // Not validated here (see test/fakes/README.md): kept as sent.
    return { text: source, entities: [] };
  }
  throw bad("unsupported parse_mode");
}

export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? DEFAULT_TOKEN;
  const botId = Number(token.split(":")[0]);
  const botUser: TgUser = {
    id: botId,
    is_bot: true,
    first_name: "Tether",
    username: "tether_test_bot",
  };
  const maxPollMs = (options.maxPollSeconds ?? 50) * 1000;
  const chats = new Map<number, FakeChatConfig>();
  for (const chat of options.chats ?? [FORUM_CHAT, GROUP_CHAT, PRIVATE_CHAT]) {
    chats.set(chat.id, chat);
  }
  const messagesByChat = new Map<number, FakeMessage[]>();
  const nextMessageId = new Map<number, number>();
  const topicsByChat = new Map<number, FakeTopic[]>();
  const pinnedByChat = new Map<number, number[]>();
  const sendsByChat = new Map<number, number[]>();
  const openCallbacks = new Map<string, Record<string, unknown>>();
  const faults: { method: string; fault: Fault; left: number }[] = [];
  const calls: ApiCall[] = [];
  const callbackAnswers: CallbackAnswer[] = [];
  const chatActions: ChatAction[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let queue: Record<string, unknown>[] = [];
  let nextUpdateId = 700_000_001;
  let nextCallbackId = 1;
  let allowedUpdates: string[] = [];
  let poll: { res: ServerResponse; limit: number; timer: NodeJS.Timeout } | undefined;
  let state: "up" | "refuse" | "reset" = "up";
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };

  const wireChat = (chat: FakeChatConfig) => ({
    id: chat.id,
    type: chat.type,
    ...(chat.title !== undefined ? { title: chat.title } : {}),
    ...(chat.username !== undefined ? { username: chat.username } : {}),
    ...(chat.type === "private" ? { first_name: USER.first_name } : {}),
    ...(chat.is_forum ? { is_forum: true } : {}),
  });

  const wireMessage = (m: FakeMessage): Record<string, unknown> => {
    const chat = chats.get(m.chat_id)!;
    const wire: Record<string, unknown> = {
      message_id: m.message_id,
      from: m.from,
      chat: wireChat(chat),
      date: m.date,
    };
    if (m.message_thread_id !== undefined) {
      wire.message_thread_id = m.message_thread_id;
      if (chat.is_forum) wire.is_topic_message = true;
    }
    if (m.service === "forum_topic_created") {
      const topic = topicsByChat.get(m.chat_id)?.find((t) => t.message_thread_id === m.message_id);
      wire.forum_topic_created = { name: topic?.name, icon_color: topic?.icon_color };
      return wire;
    }
    if (m.document) {
      wire.document = {
        file_id: m.document.file_id,
        file_unique_id: `u${m.document.file_id}`,
        file_name: m.document.file_name,
        ...(m.document.mime_type ? { mime_type: m.document.mime_type } : {}),
        file_size: m.document.bytes.length,
      };
      if (m.text) wire.caption = m.text;
      if (m.entities.length) wire.caption_entities = m.entities;
    } else {
      wire.text = m.text;
      if (m.entities.length) wire.entities = m.entities;
    }
    if (m.reply_markup) wire.reply_markup = m.reply_markup;
    if (m.edit_date !== undefined) wire.edit_date = m.edit_date;
    return wire;
  };

  const chatOf = (value: unknown): FakeChatConfig => {
    if (value === undefined || value === "") throw bad("chat_id is empty");
    const text = String(value);
    const chat = text.startsWith("@")
      ? [...chats.values()].find((c) => `@${c.username}` === text)
      : chats.get(Number(text));
    if (!chat) throw bad("chat not found");
    return chat;
  };

  const log = (chatId: number) => {
    let list = messagesByChat.get(chatId);
    if (!list) {
      list = [];
      messagesByChat.set(chatId, list);
    }
    return list;
  };

  const newMessageId = (chatId: number) => {
    const id = nextMessageId.get(chatId) ?? 1;
    nextMessageId.set(chatId, id + 1);
    return id;
  };

  const threadOf = (chat: FakeChatConfig, value: unknown): number | undefined => {
    const thread = int(value);
    if (thread === undefined || !chat.is_forum) return thread;
    if (!topicsByChat.get(chat.id)?.some((t) => t.message_thread_id === thread)) {
      throw bad("message thread not found");
    }
    return thread;
  };

  const rateLimit = (chatId: number) => {
    const limit = options.chatRateLimit;
    if (!limit) return;
    const t = Date.now();
    const recent = (sendsByChat.get(chatId) ?? []).filter((at) => at > t - limit.perMs);
    if (recent.length >= limit.max) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + limit.perMs - t) / 1000));
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
    }
    recent.push(t);
    sendsByChat.set(chatId, recent);
  };

  const findMessage = (chatId: number, messageId: number | undefined) =>
    messageId === undefined
      ? undefined
      : messagesByChat.get(chatId)?.find((m) => m.message_id === messageId);

  const answerPoll = () => {
    if (!poll) return;
    const { res, limit, timer } = poll;
    poll = undefined;
    clearTimeout(timer);
    timers.delete(timer);
    send(res, 200, { ok: true, result: queue.slice(0, limit) });
  };

  const pushUpdate = (update: Record<string, unknown>): number => {
    const update_id = nextUpdateId++;
    const kind = Object.keys(update)[0] ?? "";
    const allowed =
      allowedUpdates.length === 0 ? !NOT_BY_DEFAULT.has(kind) : allowedUpdates.includes(kind);
    // Telegram does not create updates of kinds the bot did not ask for.
    if (allowed) {
      queue.push({ update_id, ...update });
      answerPoll();
    }
    return update_id;
  };

  /** A handler's answer when it keeps the request open (a long poll). */
  /** A message the bot sends (sendMessage, sendDocument), as the chat stores it. */
  const botMessage = (
    messageId: number,
    chatId: number,
    thread: number | undefined,
    source: string,
    parseMode: string | undefined,
    parsed: { text: string; entities: MessageEntity[] },
    markup: InlineKeyboardMarkup | undefined,
  ): FakeMessage => ({
    message_id: messageId,
    chat_id: chatId,
    ...(thread !== undefined ? { message_thread_id: thread } : {}),
    from: botUser,
    text: parsed.text,
    source,
    ...(parseMode ? { parse_mode: parseMode } : {}),
    entities: parsed.entities,
    ...(markup ? { reply_markup: markup } : {}),
    date: now(),
    edits: [],
  });
  const postBotMessage = (m: FakeMessage) => {
    log(m.chat_id).push(m);
    return wireMessage(m);
  };

  const HELD = Symbol("held");
  type Handler = (p: Record<string, unknown>, res: ServerResponse) => unknown;
  const methods: Record<string, Handler> = {
    getme: () => ({
      ...botUser,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    deletewebhook: (p) => {
      if (bool(p.drop_pending_updates)) queue = [];
      return true;
    },
    getupdates: (p, res) => {
      if (poll) {
        const old = poll;
        poll = undefined;
        clearTimeout(old.timer);
        timers.delete(old.timer);
        send(old.res, 409, {
          ok: false,
          error_code: 409,
          description:
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        });
      }
      const offset = int(p.offset);
      if (offset !== undefined && offset > 0) {
        queue = queue.filter((u) => (u.update_id as number) >= offset);
      } else if (offset !== undefined && offset < 0) {
        queue = queue.slice(offset);
      }
      if (Array.isArray(p.allowed_updates)) allowedUpdates = p.allowed_updates.map(String);
      const limit = Math.min(100, Math.max(1, int(p.limit) ?? 100));
      const timeoutMs = Math.min(maxPollMs, Math.max(0, (int(p.timeout) ?? 0) * 1000));
      if (queue.length > 0 || timeoutMs === 0) return queue.slice(0, limit);
      const timer = later(timeoutMs, () => {
        if (poll?.res === res) answerPoll();
      });
      poll = { res, limit, timer };
      res.on("close", () => {
        if (poll?.res === res) {
          clearTimeout(poll.timer);
          timers.delete(poll.timer);
          poll = undefined;
        }
      });
      return HELD;
    },
    sendmessage: (p) => {
      const chat = chatOf(p.chat_id);
      const thread = threadOf(chat, p.message_thread_id);
      const source = str(p.text) ?? "";
      const parseMode = str(p.parse_mode);
      const parsed = parseText(source, parseMode, p.entities);
      if (parsed.text.trim() === "") throw bad("message text is empty");
      if (parsed.text.length > 4096) throw bad("message is too long");
      const markup = checkMarkup(p.reply_markup);
      rateLimit(chat.id);
      return postBotMessage(
        botMessage(newMessageId(chat.id), chat.id, thread, source, parseMode, parsed, markup),
      );
    },
    editmessagetext: (p) => {
      if (p.inline_message_id !== undefined) throw bad("inline messages are not faked");
      const chat = chatOf(p.chat_id);
      const m = findMessage(chat.id, int(p.message_id));
      if (!m) throw bad("message to edit not found");
      if (m.from.id !== botUser.id || m.document || m.service) {
        throw bad("message can't be edited");
      }
      const source = str(p.text) ?? "";
      const parseMode = str(p.parse_mode);
      const parsed = parseText(source, parseMode, p.entities);
      if (parsed.text.trim() === "") throw bad("message text is empty");
      if (parsed.text.length > 4096) throw bad("MESSAGE_TOO_LONG");
      // Leaving reply_markup out removes the keyboard, as on Telegram.
      const markup = checkMarkup(p.reply_markup);
      if (
        parsed.text === m.text &&
        JSON.stringify(parsed.entities) === JSON.stringify(m.entities) &&
        JSON.stringify(markup) === JSON.stringify(m.reply_markup)
      ) {
        throw bad(
          "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
      }
      const { message_id, chat_id, message_thread_id, from, edits, edit_date, ...old } = m;
      edits.push(old);
      m.text = parsed.text;
      m.source = source;
      m.entities = parsed.entities;
      m.date = old.date;
      if (parseMode) m.parse_mode = parseMode;
      else delete m.parse_mode;
      if (markup) m.reply_markup = markup;
      else delete m.reply_markup;
      m.edit_date = now();
      return wireMessage(m);
    },
    answercallbackquery: (p) => {
      const id = str(p.callback_query_id) ?? "";
      if (!openCallbacks.delete(id)) {
        throw bad("query is too old and response timeout expired or query ID is invalid");
      }
      const text = str(p.text);
      if (text !== undefined && text.length > 200) throw bad("MESSAGE_TOO_LONG");
      const answer: CallbackAnswer = { callback_query_id: id };
      if (text !== undefined) answer.text = text;
      const showAlert = bool(p.show_alert);
      if (showAlert !== undefined) answer.show_alert = showAlert;
      if (p.url !== undefined) answer.url = String(p.url);
      const cache = int(p.cache_time);
      if (cache !== undefined) answer.cache_time = cache;
      callbackAnswers.push(answer);
      return true;
    },
    createforumtopic: (p) => {
      const chat = chatOf(p.chat_id);
      if (!chat.is_forum) throw bad("the chat is not a forum");
      if (chat.canManageTopics === false) throw bad("not enough rights to create a topic");
      const name = str(p.name) ?? "";
      if (name.length < 1 || name.length > 128) throw bad("TOPIC_NAME_INVALID");
      const id = newMessageId(chat.id);
      const topic: FakeTopic = {
        chat_id: chat.id,
        message_thread_id: id,
        name,
        icon_color: int(p.icon_color) ?? 7322096,
        renames: [],
      };
      const emoji = str(p.icon_custom_emoji_id);
      if (emoji) topic.icon_custom_emoji_id = emoji;
      let list = topicsByChat.get(chat.id);
      if (!list) {
        list = [];
        topicsByChat.set(chat.id, list);
      }
      list.push(topic);
      // On Telegram the topic's id is the id of its "topic created" service message.
      log(chat.id).push({
        message_id: id,
        chat_id: chat.id,
        message_thread_id: id,
        from: botUser,
        text: "",
        source: "",
        entities: [],
        date: now(),
        edits: [],
        service: "forum_topic_created",
      });
      const { chat_id, renames, ...result } = topic;
      return result;
    },
    editforumtopic: (p) => {
      const chat = chatOf(p.chat_id);
      if (!chat.is_forum) throw bad("the chat is not a forum");
      if (chat.canManageTopics === false) throw bad("not enough rights to edit a topic");
      const thread = int(p.message_thread_id);
      const topic = topicsByChat.get(chat.id)?.find((t) => t.message_thread_id === thread);
      if (!topic) throw bad("TOPIC_ID_INVALID");
      const name = str(p.name);
      const emoji = str(p.icon_custom_emoji_id);
      if (name !== undefined && (name.length < 1 || name.length > 128)) {
        throw bad("TOPIC_NAME_INVALID");
      }
      if (
        (name ?? topic.name) === topic.name &&
        (emoji ?? "") === (topic.icon_custom_emoji_id ?? "")
      ) {
        throw bad("TOPIC_NOT_MODIFIED");
      }
      if (name !== undefined && name !== topic.name) {
        topic.renames.push(topic.name);
        topic.name = name;
      }
      if (emoji !== undefined) {
        if (emoji) topic.icon_custom_emoji_id = emoji;
        else delete topic.icon_custom_emoji_id;
      }
      return true;
    },
    sendchataction: (p) => {
      const chat = chatOf(p.chat_id);
      const action = str(p.action) ?? "";
      if (!CHAT_ACTIONS.has(action)) throw bad("wrong parameter action in request");
      const thread = threadOf(chat, p.message_thread_id);
      chatActions.push({
        chat_id: chat.id,
        action,
        ...(thread !== undefined ? { message_thread_id: thread } : {}),
        at: Date.now(),
      });
      return true;
    },
    senddocument: async (p) => {
      const chat = chatOf(p.chat_id);
      const thread = threadOf(chat, p.message_thread_id);
      let file = p.document;
      if (typeof file === "string" && file.startsWith("attach://")) {
        file = p[file.slice("attach://".length)];
      }
      if (!(file instanceof Blob)) {
        throw bad(
          typeof file === "string"
            ? "wrong file identifier/HTTP URL specified"
            : "there is no document in the request",
        );
      }
      const bytes = Buffer.from(await file.arrayBuffer());
      if (bytes.length === 0) throw bad("file must be non-empty");
      const source = str(p.caption) ?? "";
      const parseMode = str(p.parse_mode);
      const parsed = parseText(source, parseMode, p.caption_entities);
      if (parsed.text.length > 1024) throw bad("message caption is too long");
      const markup = checkMarkup(p.reply_markup);
      rateLimit(chat.id);
      const id = newMessageId(chat.id);
      const name = file instanceof File && file.name ? file.name : "document";
      return postBotMessage({
        ...botMessage(id, chat.id, thread, source, parseMode, parsed, markup),
        document: {
          file_id: `BQAC${chat.id}_${id}`,
          file_name: name,
          ...(file.type && file.type !== "application/octet-stream"
            ? { mime_type: file.type }
            : {}),
          bytes,
        },
      });
    },
    pinchatmessage: (p) => {
      const chat = chatOf(p.chat_id);
      const id = int(p.message_id);
      if (!findMessage(chat.id, id)) throw bad("message to pin not found");
      const list = pinnedByChat.get(chat.id) ?? [];
      pinnedByChat.set(chat.id, [...list.filter((x) => x !== id), id!]);
      return true;
    },
    unpinchatmessage: (p) => {
      const chat = chatOf(p.chat_id);
      const list = pinnedByChat.get(chat.id) ?? [];
      const id = int(p.message_id) ?? list[list.length - 1];
      if (id === undefined || !list.includes(id)) throw bad("message to unpin not found");
      pinnedByChat.set(
        chat.id,
        list.filter((x) => x !== id),
      );
      return true;
    },
    getchat: (p) => {
      const chat = chatOf(p.chat_id);
      const pinned = pinnedByChat.get(chat.id) ?? [];
      const last = findMessage(chat.id, pinned[pinned.length - 1]);
      return {
        ...wireChat(chat),
        accent_color_id: 0,
        max_reaction_count: 11,
        accepted_gift_types: {
          unlimited_gifts: false,
          limited_gifts: false,
          unique_gifts: false,
          premium_subscription: false,
        },
        ...(last ? { pinned_message: wireMessage(last) } : {}),
      };
    },
  };

  const failWith = (res: ServerResponse, error: ApiError) =>
    send(res, error.code, {
      ok: false,
      error_code: error.code,
      description: error.description,
      ...(error.retryAfter !== undefined ? { parameters: { retry_after: error.retryAfter } } : {}),
    });

  const takeFault = (method: string): Fault | undefined => {
    const i = faults.findIndex((f) => f.method === method || f.method === "*");
    if (i < 0) return undefined;
    const entry = faults[i]!;
    if (--entry.left <= 0) faults.splice(i, 1);
    return entry.fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname);
    if (!m?.[1]?.includes(":")) {
      return send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    }
    if (m[1] !== token) {
      return send(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    }
    const name = m[2]!;
    const method = methods[name.toLowerCase()];
    if (!method) return send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const call: ApiCall = { method: name, params: {}, status: 0, fault: false };
    calls.push(call);
    res.on("finish", () => {
      call.status = res.statusCode;
    });
    const respond = (error: ApiError) => {
      call.description = error.description;
      failWith(res, error);
    };
    try {
      call.params = await readParams(req, url);
      const fault = takeFault(name);
      if (fault && "drop" in fault) {
        call.fault = true;
        if (fault.drop === "reset") req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      }
      if (fault && "status" in fault) {
        call.fault = true;
        const description =
          fault.description ??
          (fault.status === 429
            ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
            : fault.status >= 500
              ? "Internal Server Error"
              : "Bad Request: injected fault");
        return respond(
          new ApiError(
            fault.status,
            description,
            fault.status === 429 ? (fault.retryAfter ?? 1) : fault.retryAfter,
          ),
        );
      }
      if (fault && "delayMs" in fault) {
        call.fault = true;
        await new Promise<void>((resolve) => later(fault.delayMs, resolve));
        if (res.destroyed) return;
      }
      const result = await method(call.params, res);
      if (result === HELD) return;
      if (fault && "replyDelayMs" in fault) {
        call.fault = true;
        await new Promise<void>((resolve) => later(fault.replyDelayMs, resolve));
      }
      send(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError) return respond(error);
      console.error("fake Telegram handler failed:", error);
      respond(new ApiError(500, `Internal Server Error: ${String(error)}`));
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on("connection", (socket: Socket) => {
    if (state === "reset") socket.resetAndDestroy();
  });
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
    if (poll) {
      clearTimeout(poll.timer);
      timers.delete(poll.timer);
      poll.res.socket?.resetAndDestroy();
      poll = undefined;
    }
    server.closeAllConnections();
  };

  await listen(0);
  const { port } = server.address() as AddressInfo;

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${port}`,
    token,
    bot: botUser,
    userSends({ text, chatId = FORUM_CHAT.id, threadId, from = USER }) {
      const chat = chats.get(chatId);
      if (!chat) throw new Error(`fake Telegram: no chat ${chatId}`);
      if (threadId !== undefined && chat.is_forum) threadOf(chat, threadId);
      const m: FakeMessage = {
        message_id: newMessageId(chatId),
        chat_id: chatId,
        ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
        from,
        text,
        source: text,
        entities: /^\/\w+/.test(text)
          ? [{ type: "bot_command", offset: 0, length: /^\/[\w@]+/.exec(text)![0].length }]
          : [],
        date: now(),
        edits: [],
      };
      log(chatId).push(m);
      const wire = wireMessage(m);
      pushUpdate({ message: wire });
      return wire;
    },
    clickButton({ messageId, chatId = FORUM_CHAT.id, data, text, from = USER, stale = false }) {
      const m = findMessage(chatId, messageId);
      if (!m) throw new Error(`fake Telegram: no message ${messageId} in chat ${chatId}`);
      const versions = stale ? [m, ...[...m.edits].reverse()] : [m];
      const buttons = versions.flatMap((v) => v.reply_markup?.inline_keyboard.flat() ?? []);
      const button = buttons.find((b) =>
        data !== undefined ? b.callback_data === data : b.text === text,
      );
      if (!button?.callback_data) {
        throw new Error(
          `fake Telegram: message ${messageId} has no button ${data ?? text}; has ${JSON.stringify(buttons)}`,
        );
      }
      const id = `${botId}${String(nextCallbackId++).padStart(6, "0")}`;
      const query = {
        id,
        from,
        message: wireMessage(m),
        chat_instance: `ci${Math.abs(chatId)}`,
        data: button.callback_data,
      };
      openCallbacks.set(id, query);
      pushUpdate({ callback_query: query });
      return id;
    },
    pushUpdate,
    deleteTopic(threadId, chatId = FORUM_CHAT.id) {
      const topics = topicsByChat.get(chatId) ?? [];
      if (!topics.some((t) => t.message_thread_id === threadId)) {
        throw new Error(`fake Telegram: no topic ${threadId} in chat ${chatId}`);
      }
      topicsByChat.set(
        chatId,
        topics.filter((t) => t.message_thread_id !== threadId),
      );
      messagesByChat.set(
        chatId,
        log(chatId).filter((m) => m.message_thread_id !== threadId),
      );
      pinnedByChat.set(
        chatId,
        (pinnedByChat.get(chatId) ?? []).filter((id) => findMessage(chatId, id) !== undefined),
      );
    },
    deleteMessage(messageId, chatId = FORUM_CHAT.id) {
      if (!findMessage(chatId, messageId)) {
        throw new Error(`fake Telegram: no message ${messageId} in chat ${chatId}`);
      }
      messagesByChat.set(
        chatId,
        log(chatId).filter((m) => m.message_id !== messageId),
      );
      pinnedByChat.set(
        chatId,
        (pinnedByChat.get(chatId) ?? []).filter((id) => id !== messageId),
      );
    },
    inject(method, fault) {
      faults.push({ method, fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    async down(mode = "refuse") {
      state = mode;
      cutEverything();
      if (mode === "refuse") await stopListening();
    },
    async up() {
      if (closed) throw new Error("fake Telegram is closed");
      if (!server.listening) await listen(port);
      state = "up";
    },
    calls,
    callsOf: (method) => calls.filter((c) => c.method.toLowerCase() === method.toLowerCase()),
    messages({ chatId = FORUM_CHAT.id, threadId, fromBot } = {}) {
      return (messagesByChat.get(chatId) ?? []).filter(
        (m) =>
          !m.service &&
          (threadId === undefined || m.message_thread_id === threadId) &&
          (fromBot === undefined || (m.from.id === botUser.id) === fromBot),
      );
    },
    message: (chatId, messageId) => findMessage(chatId, messageId),
    topics: (chatId = FORUM_CHAT.id) => topicsByChat.get(chatId) ?? [],
    pinned: (chatId = FORUM_CHAT.id) => pinnedByChat.get(chatId) ?? [],
    callbackAnswers,
    chatActions,
    pendingUpdates: () => [...queue],
    polling: () => poll !== undefined,
    waitForCall: (method, pred = () => true) =>
      waitFor(() => fake.callsOf(method).find((c) => c.status !== 0 && pred(c)), {
        what: () =>
          `a ${method} call; calls: ${calls.map((c) => `${c.method}→${c.status}`).join(", ")}`,
      }),
    waitForMessage: (pred, chatId = FORUM_CHAT.id) =>
      waitFor(() => fake.messages({ chatId }).find(pred), {
        what: () =>
          `a message in ${chatId}; got ${JSON.stringify(fake.messages({ chatId }).map((m) => m.source))}`,
      }),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      cutEverything();
      await stopListening();
    },
  };
  return fake;
}
