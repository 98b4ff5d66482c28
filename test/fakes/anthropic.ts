// A scripted fake of the Anthropic Messages API, enough for the real Claude Code CLI (as spawned
// by @anthropic-ai/claude-agent-sdk) to run turns against it offline. Wire shapes follow
// shared/research/agents.md §5.1 and §8.
//
//   const fake = await startFakeAnthropic();
//   fake.when("RUN:", bash("touch /tmp/ws/x"));       // first reply to a matching user message
//   env.ANTHROPIC_BASE_URL = fake.url;
//   ...
//   fake.toolResults()[0]?.content                     // what the agent sent back
//   await fake.close();
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type HttpFake, readBody, SseStream, sendJson, startHttpFake } from "./http.js";
import { ReplyScript } from "./script.js";

// ---- replies a test can plan ------------------------------------------------------------------

export type AnthropicReply =
  | { type: "text"; text: string }
  | { type: "tool_use"; name: string; input: Record<string, unknown> }
  /** `count` text deltas, one every `intervalMs`; stops early when the client disconnects. */
  | { type: "slow_text"; delta: string; count: number; intervalMs: number };

export const text = (value: string): AnthropicReply => ({ type: "text", text: value });

export const toolUse = (name: string, input: Record<string, unknown>): AnthropicReply => ({
  type: "tool_use",
  name,
  input,
});

export const bash = (command: string): AnthropicReply =>
  toolUse("Bash", { command, description: "Run a command for the test" });

export const write = (filePath: string, content: string): AnthropicReply =>
  toolUse("Write", { file_path: filePath, content });

export const askUserQuestion = (question: string, options: string[]): AnthropicReply =>
  toolUse("AskUserQuestion", {
    questions: [
      {
        question,
        header: "Question",
        options: options.map((label) => ({ label, description: `Choose ${label}` })),
        multiSelect: false,
      },
    ],
  });

export const slowText = (delta: string, count: number, intervalMs: number): AnthropicReply => ({
  type: "slow_text",
  delta,
  count,
  intervalMs,
});

// ---- what the fake records ----------------------------------------------------------------------

export interface ToolResult {
  toolUseId: string;
  /** Text of the result; block arrays are joined. */
  content: string;
  isError: boolean;
}

/** What a turn handler sees: the request reduced to what a script usually decides on. */
export interface Turn {
  /** Text of the last `role:"user"` message, `<system-reminder>` blocks left out. */
  userText: string;
  /** Set when the last user message carries a tool_result, i.e. the agent ran (or was refused) a
   * tool and wants the model's next step. */
  toolResult: ToolResult | undefined;
  /** Names of the tools offered to the model. */
  tools: string[];
  body: MessagesRequest;
}

export type TurnHandler = (turn: Turn) => AnthropicReply | undefined;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body of POST /v1/messages; undefined for other requests. */
  body: MessagesRequest | undefined;
  /** "title" = a request without tools (Claude Code names the session with one every turn). */
  kind: "probe" | "title" | "turn" | "count_tokens" | "other";
  turn: Turn | undefined;
  reply: AnthropicReply | undefined;
  /** The client disconnected before the response was complete. */
  aborted: boolean;
  /** Text deltas actually written (useful to time an interrupt during slow streaming). */
  deltasSent: number;
}

// Only the fields the fake reads are validated; everything else passes through untouched.
const contentBlock = z.looseObject({ type: z.string() });
const messageParam = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentBlock)]),
});
const messagesRequest = z.looseObject({
  model: z.string(),
  messages: z.array(messageParam),
  tools: z.array(z.looseObject({ name: z.string().optional() })).optional(),
  stream: z.boolean().optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequest>;
type MessageParam = z.infer<typeof messageParam>;
type ContentBlock = z.infer<typeof contentBlock>;

// ---- the fake ---------------------------------------------------------------------------------

export interface FakeAnthropic extends HttpFake {
  requests: RecordedRequest[];
  /** Reply to the next fresh user message whose text contains `trigger` (once, in order of
   * registration). Follow-ups after a tool_result fall through to the default. */
  when(trigger: string | RegExp, reply: AnthropicReply): void;
  /** Take full control: called for every main-loop request before the `when` rules; return
   * undefined to fall through to them and then to the default. */
  script(handler: TurnHandler): void;
  /** Main-loop requests (title generation and probes left out). */
  turns(): RecordedRequest[];
  /** Every tool_result the agent sent back, in order. */
  toolResults(): ToolResult[];
}

/** Default behaviour: after a tool, report its outcome (so tests can assert on the agent's final
 * text); otherwise echo the user's text. */
export function defaultReply(turn: Turn): AnthropicReply {
  if (turn.toolResult) {
    const { content, isError } = turn.toolResult;
    return text(`Tool finished (is_error=${isError}): ${content}`);
  }
  return text(`Echo: ${turn.userText}`);
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const replies = new ReplyScript<Turn, AnthropicReply>(
    defaultReply,
    (turn) => turn.toolResult !== undefined,
  );
  let nextId = 1;

  const http = await startHttpFake(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      headers: req.headers,
      body: undefined,
      kind: "other",
      turn: undefined,
      reply: undefined,
      aborted: false,
      deltasSent: 0,
    };
    requests.push(record);
    const raw = await readBody(req);

    // Connectivity probes the CLI sends before talking to the API.
    if (req.method === "HEAD" || (req.method === "GET" && url.pathname === "/")) {
      record.kind = "probe";
      res.writeHead(200).end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/v1/messages/count_tokens") {
      record.kind = "count_tokens";
      sendJson(res, 200, { input_tokens: 100 });
      return;
    }
    if (req.method !== "POST" || url.pathname !== "/v1/messages") {
      sendJson(
        res,
        404,
        apiError("not_found_error", `fake: no route ${req.method} ${url.pathname}`),
      );
      return;
    }

    const parsed = messagesRequest.safeParse(safeJson(raw));
    if (!parsed.success) {
      sendJson(res, 400, apiError("invalid_request_error", `fake: ${parsed.error.message}`));
      return;
    }
    const body = parsed.data;
    record.body = body;
    const turn = toTurn(body);
    record.turn = turn;
    // Title generation quotes the user's text, so it must never match a trigger: decide by the
    // request's own tools (agents.md §8).
    if (turn.tools.length === 0) {
      record.kind = "title";
      record.reply = text("Fake session title");
    } else {
      record.kind = "turn";
      record.reply = replies.choose(turn);
    }
    const id = nextId++;
    if (body.stream === false) sendJson(res, 200, wholeMessage(id, body.model, record.reply));
    else await streamReply(res, id, body.model, record.reply, record);
  });

  return {
    ...http,
    requests,
    when: (trigger, reply) => replies.when(trigger, reply),
    script: (handler) => replies.script(handler),
    turns: () => requests.filter((r) => r.kind === "turn"),
    toolResults: () =>
      requests.flatMap((r) => (r.kind === "turn" && r.turn?.toolResult ? [r.turn.toolResult] : [])),
  };
}

// ---- request reading --------------------------------------------------------------------------

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function toTurn(body: MessagesRequest): Turn {
  // The last element can be a role:"system" message (agents.md §8): find the last user one.
  const lastUser = body.messages.findLast((m: MessageParam) => m.role === "user");
  const blocks: ContentBlock[] =
    lastUser === undefined
      ? []
      : typeof lastUser.content === "string"
        ? [{ type: "text", text: lastUser.content }]
        : lastUser.content;
  const texts = blocks
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .filter((t) => !t.trimStart().startsWith("<system-reminder>"));
  const resultBlock = blocks.findLast((b) => b.type === "tool_result");
  return {
    userText: texts.join("\n"),
    toolResult: resultBlock && {
      toolUseId: String(resultBlock.tool_use_id),
      content: resultText(resultBlock.content),
      isError: resultBlock.is_error === true,
    },
    tools: (body.tools ?? []).flatMap((t) => (typeof t.name === "string" ? [t.name] : [])),
    body,
  };
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b: { text?: unknown }) => (typeof b?.text === "string" ? b.text : ""))
    .join("\n");
}

// ---- response writing -------------------------------------------------------------------------

function apiError(type: string, message: string) {
  return { type: "error", error: { type, message } };
}

const USAGE = {
  input_tokens: 100,
  output_tokens: 1,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

function wholeMessage(id: number, model: string, reply: AnthropicReply) {
  const content =
    reply.type === "tool_use"
      ? [{ type: "tool_use", id: `toolu_fake_${id}`, name: reply.name, input: reply.input }]
      : [
          {
            type: "text",
            text: reply.type === "text" ? reply.text : reply.delta.repeat(reply.count),
          },
        ];
  return {
    id: `msg_fake_${id}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: reply.type === "tool_use" ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: { ...USAGE, output_tokens: 20 },
  };
}

async function streamReply(
  res: ServerResponse,
  id: number,
  model: string,
  reply: AnthropicReply,
  record: RecordedRequest,
): Promise<void> {
  const sse = new SseStream(res);
  sse.event("message_start", {
    type: "message_start",
    message: {
      id: `msg_fake_${id}`,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: USAGE,
    },
  });
  if (reply.type === "tool_use") {
    sse.event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: `toolu_fake_${id}`, name: reply.name, input: {} },
    });
    // Split the JSON like the real API does, so the client's partial-JSON assembly is exercised.
    const json = JSON.stringify(reply.input);
    const cut = Math.ceil(json.length / 2);
    for (const part of [json.slice(0, cut), json.slice(cut)]) {
      sse.event("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: part },
      });
    }
  } else {
    sse.event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const deltas = reply.type === "text" ? [reply.text] : [];
    for (const delta of deltas) textDelta(sse, delta, record);
    if (reply.type === "slow_text") {
      for (let i = 0; i < reply.count; i++) {
        textDelta(sse, reply.delta, record);
        if (!(await sse.pause(reply.intervalMs))) break;
      }
    }
  }
  if (sse.closed) {
    record.aborted = true;
    return;
  }
  sse.event("content_block_stop", { type: "content_block_stop", index: 0 });
  sse.event("message_delta", {
    type: "message_delta",
    delta: {
      stop_reason: reply.type === "tool_use" ? "tool_use" : "end_turn",
      stop_sequence: null,
    },
    usage: { output_tokens: 20 },
  });
  sse.event("message_stop", { type: "message_stop" });
  sse.end();
}

function textDelta(sse: SseStream, delta: string, record: RecordedRequest): void {
  sse.event("content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "text_delta", text: delta },
  });
  if (!sse.closed) record.deltasSent++;
}
