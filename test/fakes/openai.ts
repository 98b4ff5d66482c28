// A scripted fake of the OpenAI Responses API, enough for the real Codex CLI (`codex app-server`
// with a custom model provider) to run turns against it offline. Wire shapes follow
// shared/research/agents.md §5.2.
//
//   const fake = await startFakeOpenAI();
//   fake.when("make x", execCommand("touch x", { escalate: "needs it" }));
//   writeCodexConfig(codexHome, fake.url);            // see codexConfigToml()
//   ...
//   fake.toolOutputs()[0]?.output                      // what the agent sent back
//   await fake.close();
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type HttpFake, readBody, SseStream, sendJson, startHttpFake } from "./http.js";
import { ReplyScript } from "./script.js";

// ---- replies a test can plan ------------------------------------------------------------------

export type OpenAIReply =
  | { type: "text"; text: string }
  /** A call of a JSON function tool such as `exec_command` or `request_user_input`. */
  | { type: "function_call"; name: string; arguments: Record<string, unknown> }
  /** A call of a freeform tool; Codex's `apply_patch` is one (for the pinned model). */
  | { type: "custom_tool_call"; name: string; input: string }
  /** `count` text deltas, one every `intervalMs`; stops early when the client disconnects. */
  | { type: "slow_text"; delta: string; count: number; intervalMs: number };

export const text = (value: string): OpenAIReply => ({ type: "text", text: value });

/** An `exec_command` call. With `escalate`, the model asks to leave the sandbox, which is what
 * makes Codex request approval under `approvalPolicy: "on-request"`; the string is the
 * justification Codex shows as the approval's `reason`. */
export function execCommand(cmd: string, options: { escalate?: string } = {}): OpenAIReply {
  return {
    type: "function_call",
    name: "exec_command",
    arguments: {
      cmd,
      yield_time_ms: 2000,
      ...(options.escalate === undefined
        ? {}
        : { sandbox_permissions: "require_escalated", justification: options.escalate }),
    },
  };
}

export const applyPatch = (patch: string): OpenAIReply => ({
  type: "custom_tool_call",
  name: "apply_patch",
  input: patch,
});

/** An apply_patch that creates `path` (absolute) with `content` as its lines. */
export const addFilePatch = (path: string, content: string): OpenAIReply =>
  applyPatch(
    `*** Begin Patch\n*** Add File: ${path}\n${content
      .split("\n")
      .map((line) => `+${line}`)
      .join("\n")}\n*** End Patch\n`,
  );

export const slowText = (delta: string, count: number, intervalMs: number): OpenAIReply => ({
  type: "slow_text",
  delta,
  count,
  intervalMs,
});

// ---- what the fake records ----------------------------------------------------------------------

export interface ToolOutput {
  callId: string;
  /** `function_call_output` (exec_command, …) or `custom_tool_call_output` (apply_patch). */
  kind: "function_call_output" | "custom_tool_call_output";
  /** Text of the output; content-item arrays are joined. */
  output: string;
}

export interface Turn {
  /** Text of the last user message (the `input_text` parts). */
  userText: string;
  /** Set when the last input item is a tool output, i.e. Codex ran (or was refused) a tool and
   * wants the model's next step. */
  toolOutput: ToolOutput | undefined;
  /** Names of the tools offered to the model (top-level `tools` only). */
  tools: string[];
  body: ResponsesRequest;
}

export type TurnHandler = (turn: Turn) => OpenAIReply | undefined;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: ResponsesRequest | undefined;
  /** "title" = Codex asking for a thread title; answered with text, never a tool. */
  kind: "title" | "turn" | "other";
  turn: Turn | undefined;
  reply: OpenAIReply | undefined;
  /** The client disconnected before the response was complete. */
  aborted: boolean;
  /** Text deltas actually written. */
  deltasSent: number;
}

// Only the fields the fake reads are validated; everything else passes through untouched.
const inputItem = z.looseObject({ type: z.string().optional(), role: z.string().optional() });
const responsesRequest = z.looseObject({
  model: z.string(),
  input: z.array(inputItem),
  tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).optional(),
  stream: z.boolean().optional(),
});
export type ResponsesRequest = z.infer<typeof responsesRequest>;
type InputItem = z.infer<typeof inputItem>;

const TITLE_PROMPT = "Generate a concise, single-line task title";

// ---- the fake ---------------------------------------------------------------------------------

export interface FakeOpenAI extends HttpFake {
  requests: RecordedRequest[];
  /** Reply to the next fresh user message whose text contains `trigger` (once, in order of
   * registration). Follow-ups after a tool output fall through to the default. */
  when(trigger: string | RegExp, reply: OpenAIReply): void;
  /** Take full control: called for every turn request before the `when` rules; return undefined
   * to fall through to them and then to the default. */
  script(handler: TurnHandler): void;
  /** Turn requests (title generation left out). */
  turns(): RecordedRequest[];
  /** Every tool output Codex sent back, in order. */
  toolOutputs(): ToolOutput[];
}

/** Default behaviour: after a tool, report its output (so tests can assert on the agent's final
 * text); otherwise echo the user's text. */
export function defaultReply(turn: Turn): OpenAIReply {
  if (turn.toolOutput) return text(`Tool finished: ${turn.toolOutput.output}`);
  return text(`Echo: ${turn.userText}`);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const replies = new ReplyScript<Turn, OpenAIReply>(
    defaultReply,
    (turn) => turn.toolOutput !== undefined,
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
    if (req.method !== "POST" || url.pathname !== "/v1/responses") {
      sendJson(res, 404, apiError(`fake: no route ${req.method} ${url.pathname}`));
      return;
    }
    const parsed = responsesRequest.safeParse(safeJson(raw));
    if (!parsed.success) {
      sendJson(res, 400, apiError(`fake: ${parsed.error.message}`));
      return;
    }
    record.body = parsed.data;
    const turn = toTurn(parsed.data);
    record.turn = turn;
    // The title prompt quotes the user's text, so it must be recognised before any trigger.
    if (turn.userText.includes(TITLE_PROMPT)) {
      record.kind = "title";
      record.reply = text("Fake thread title");
    } else {
      record.kind = "turn";
      record.reply = replies.choose(turn);
    }
    await streamReply(res, nextId++, record.reply, record);
  });

  return {
    ...http,
    requests,
    when: (trigger, reply) => replies.when(trigger, reply),
    script: (handler) => replies.script(handler),
    turns: () => requests.filter((r) => r.kind === "turn"),
    toolOutputs: () =>
      requests.flatMap((r) => (r.kind === "turn" && r.turn?.toolOutput ? [r.turn.toolOutput] : [])),
  };
}

/** config.toml for a CODEX_HOME that sends every model request to `baseUrl` (a fake's url).
 * The model is pinned: gpt-5.5 gets the `exec_command` + freeform `apply_patch` tools the fake
 * speaks; newer families switch to "code mode" tools (agents.md §5.2). */
export function codexConfigToml(baseUrl: string): string {
  return [
    `model = "gpt-5.5"`,
    `model_provider = "fake"`,
    "",
    "[model_providers.fake]",
    `name = "fake"`,
    `base_url = "${baseUrl}/v1"`,
    `env_key = "OPENAI_API_KEY"`,
    `wire_api = "responses"`,
    "",
  ].join("\n");
}

// ---- request reading --------------------------------------------------------------------------

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function toTurn(body: ResponsesRequest): Turn {
  const last = body.input.at(-1);
  const lastUser = body.input.findLast(
    (item: InputItem) => item.role === "user" && (item.type ?? "message") === "message",
  );
  const kind = last?.type;
  const toolOutput: ToolOutput | undefined =
    last && isToolOutputKind(kind)
      ? { callId: String(last.call_id), kind, output: outputText(last.output) }
      : undefined;
  return {
    userText: lastUser ? contentText(lastUser.content) : "",
    toolOutput,
    tools: (body.tools ?? []).flatMap((t) => (typeof t.name === "string" ? [t.name] : [])),
    body,
  };
}

function isToolOutputKind(kind: string | undefined): kind is ToolOutput["kind"] {
  return kind === "function_call_output" || kind === "custom_tool_call_output";
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : ""))
    .join("\n");
}

function outputText(output: unknown): string {
  return typeof output === "string" ? output : contentText(output);
}

// ---- response writing -------------------------------------------------------------------------

function apiError(message: string) {
  return { error: { message, type: "invalid_request_error", code: null } };
}

async function streamReply(
  res: ServerResponse,
  id: number,
  reply: OpenAIReply,
  record: RecordedRequest,
): Promise<void> {
  const sse = new SseStream(res);
  const responseId = `resp_fake_${id}`;
  sse.event("response.created", { type: "response.created", response: { id: responseId } });
  if (reply.type === "function_call") {
    outputItemDone(sse, {
      type: "function_call",
      id: `fc_fake_${id}`,
      call_id: `call_fake_${id}`,
      name: reply.name,
      arguments: JSON.stringify(reply.arguments),
      status: "completed",
    });
  } else if (reply.type === "custom_tool_call") {
    outputItemDone(sse, {
      type: "custom_tool_call",
      id: `ctc_fake_${id}`,
      call_id: `call_fake_${id}`,
      name: reply.name,
      input: reply.input,
      status: "completed",
    });
  } else {
    const itemId = `msg_fake_${id}`;
    sse.event("response.output_item.added", {
      type: "response.output_item.added",
      output_index: 0,
      item: { type: "message", role: "assistant", id: itemId, status: "in_progress", content: [] },
    });
    let written = "";
    const delta = (value: string) => {
      sse.event("response.output_text.delta", {
        type: "response.output_text.delta",
        output_index: 0,
        content_index: 0,
        item_id: itemId,
        delta: value,
      });
      if (!sse.closed) {
        written += value;
        record.deltasSent++;
      }
    };
    if (reply.type === "text") delta(reply.text);
    else {
      for (let i = 0; i < reply.count; i++) {
        delta(reply.delta);
        if (!(await sse.pause(reply.intervalMs))) break;
      }
    }
    outputItemDone(sse, {
      type: "message",
      role: "assistant",
      id: itemId,
      status: "completed",
      content: [{ type: "output_text", text: written, annotations: [] }],
    });
  }
  if (sse.closed) {
    record.aborted = true;
    return;
  }
  sse.event("response.completed", {
    type: "response.completed",
    response: {
      id: responseId,
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 120,
      },
    },
  });
  sse.end();
}

function outputItemDone(sse: SseStream, item: Record<string, unknown>): void {
  sse.event("response.output_item.done", {
    type: "response.output_item.done",
    output_index: 0,
    item,
  });
}
