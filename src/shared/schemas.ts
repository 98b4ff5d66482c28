// The wire shapes of Tether, as zod schemas. Each schema validates a request, types it, and
// documents it in the OpenAPI document; the server, the CLI and (later) the MCP server and the
// web app import these, so a shape is written down once.
import { z } from "zod";
import { kindChoices } from "./kinds.js";

export const SESSION_STATES = [
  "created",
  "running",
  "awaiting_input",
  "interrupting",
  "error",
  "done",
] as const;
export const SessionState = z.enum(SESSION_STATES);
export type SessionState = z.infer<typeof SessionState>;

export const AGENT_STATUSES = ["thinking", "executing", "done", "error"] as const;
export const AgentStatus = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof AgentStatus>;

const shortText = (max: number) => z.string().trim().min(1).max(max);

// ---------- size limits ----------
// Everything an agent or a viewer sends is kept in memory (pending approvals) or replayed to every
// viewer (events), so each part of a message has its own bound, below the 2 MiB body limit.
// A value over its bound is refused with 413 payload_too_large naming the field and the bound;
// lengths are counted in characters (UTF-16 code units), JSON values by their serialized length.
export const LIMITS = {
  /** An approval's title: a question, not a document. */
  approvalTitle: 500,
  /** An approval's description: the command, the diff excerpt, the risk. */
  approvalDescription: 64 * 1024,
  approvalOptionCount: 20,
  approvalOption: 200,
  /** An approval's tool_input, serialized as JSON. */
  toolInput: 64 * 1024,
  /** One output's text. 256 KiB holds a diff of several thousand lines, which agents do send;
   * anything bigger is unreadable on a phone and belongs in a file the output names. */
  outputText: 256 * 1024,
  /** An output's metadata, serialized as JSON: file names and the like, not content. */
  metadata: 16 * 1024,
  /** A human's message (input, or a session's first prompt). */
  humanText: 64 * 1024,
} as const;

/** The params of a size issue; the server maps an issue carrying them to 413. */
export interface TooLargeParams {
  too_large: { limit: number; unit: "characters" | "items" | "bytes of JSON" };
}

export function isTooLargeParams(params: unknown): params is TooLargeParams {
  return typeof params === "object" && params !== null && "too_large" in params;
}

const tooLarge = (limit: number, unit: TooLargeParams["too_large"]["unit"]) => ({
  message: `is too large: at most ${limit} ${unit}`,
  params: { too_large: { limit, unit } } satisfies TooLargeParams,
});

/** The length of `value` as JSON; Infinity when it cannot be serialized at all. */
export function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A string of at most `max` characters, refused with 413 beyond. */
const sizedText = (max: number) =>
  z.string().refine((s) => s.length <= max, tooLarge(max, "characters"));

/** A trimmed, non-empty string of at most `max` characters, refused with 413 beyond. */
const sizedShortText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((s) => s.length <= max, tooLarge(max, "characters"));

export const AgentMetadata = z
  .object({
    name: z.string().max(200).default("agent").describe("Display name of the agent"),
    type: z.string().max(100).default("custom").describe("Kind of agent, e.g. claude, codex"),
    icon: z.string().max(2000).nullable().default(null).describe("Emoji or image URL"),
    workspace: z
      .string()
      .max(4096)
      .nullable()
      .default(null)
      .describe("Directory or project the agent works in"),
  })
  .describe("Who the agent is, as shown to the human");
export type AgentMetadata = z.infer<typeof AgentMetadata>;

export const Usage = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/** A session started by hand in a terminal, as its hooks report it (src/hooks/). */
export const TerminalProcess = z
  .object({
    transcript_path: z
      .string()
      .nullable()
      .describe(
        "The agent's own transcript of the session (Claude Code's .jsonl, Codex's rollout)",
      ),
    pid: z.number().int().nullable().describe("The agent's process, when its hooks could tell"),
    process_start: z
      .string()
      .nullable()
      .describe("When that process started, as the system counts it (tells a reused pid apart)"),
    running: z
      .boolean()
      .nullable()
      .describe("Whether that process still runs; null when Tether does not know the process"),
  })
  .meta({ id: "TerminalProcess" });
export type TerminalProcess = z.infer<typeof TerminalProcess>;

export const Session = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string().describe("Adapter name, or `external` for agents using the External API"),
    agent: AgentMetadata,
    directory: z.string().nullable(),
    platform: z.string().nullable(),
    state: SessionState,
    error: z.string().nullable(),
    last_seq: z.number().int().describe("Seq of the newest event of this session"),
    agent_cursor: z.number().int().describe("Highest seq of input the agent acknowledged"),
    agent_session_id: z
      .string()
      .nullable()
      .describe("The agent's own id for this session (Claude Code session, Codex thread)"),
    terminal: TerminalProcess.nullable().describe(
      "For a session started in a terminal (kind claude_terminal or codex_terminal); else null",
    ),
    usage: Usage,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const APPROVAL_STATUSES = ["pending", "resolved", "cancelled"] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);

export const Approval = z
  .object({
    id: z.string(),
    session_id: z.string(),
    seq: z.number().int().describe("Seq of the approval_request event"),
    title: z.string(),
    description: z.string(),
    options: z.array(z.string()),
    risky_options: z
      .array(z.string())
      .optional()
      .describe(
        "The options the human confirms before they are sent (a force-push, a deletion); " +
          "absent on approvals asked before risky options existed",
      ),
    tool_name: z.string().nullable(),
    tool_input: z.unknown().nullable(),
    status: ApprovalStatus,
    decision: z.string().nullable(),
    decided_by: z.string().nullable(),
    created_at: z.string(),
    resolved_at: z.string().nullable(),
  })
  .meta({ id: "Approval" });
export type Approval = z.infer<typeof Approval>;

// ---------- events ----------
// One schema per event type: what its `data` holds. The server writes these, and the CLI, the web
// app, the notifier and the adapters read them through TetherEvent, narrowed by `type`.

export const OUTPUT_KINDS = ["text", "thinking", "tool_call", "tool_result", "error"] as const;
export const OutputKind = z.enum(OUTPUT_KINDS);
export type OutputKind = z.infer<typeof OutputKind>;

const OutputEventData = z.object({
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  kind: OutputKind.optional().describe("How to render it; plain text when absent"),
});
const StatusEventData = z.object({ status: AgentStatus, message: z.string().optional() });
const StateEventData = z.object({
  from: SessionState.nullable().describe("Null for a session just created"),
  to: SessionState,
  reason: z.string().optional(),
});
const ApprovalResolvedEventData = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("resolved"),
    request_id: z.string(),
    option: z.string(),
    decided_by: z
      .string()
      .describe("Who answered: web:<device>, cli:<user>@<host>, telegram:<user id>, rule:<id>, …"),
    timestamp: z.string(),
    message: z.string().optional(),
  }),
  z.object({
    status: z.literal("cancelled").describe("Withdrawn: the agent stopped waiting"),
    request_id: z.string(),
    reason: z.string(),
    timestamp: z.string(),
  }),
]);
const HumanInputEventData = z.object({
  text: z.string(),
  timestamp: z.string(),
  sender: z
    .string()
    .describe("Who typed it: web:<device>, cli:<user>@<host>, telegram:<user id>, api, …"),
});
const InterruptEventData = z.object({ timestamp: z.string(), by: z.string() });
const UsageEventData = Usage.extend({ total: Usage.describe("The session's totals after this") });
const RenamedEventData = z.object({ from: z.string(), to: z.string() });

/** Every event type and the shape of its data. */
export const EVENT_DATA = {
  output: OutputEventData,
  status: StatusEventData,
  state: StateEventData,
  approval_request: Approval,
  approval_resolved: ApprovalResolvedEventData,
  human_input: HumanInputEventData,
  interrupt: InterruptEventData,
  usage: UsageEventData,
  renamed: RenamedEventData,
} as const;
export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];
export const EventType = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

const eventOf = <T extends EventType>(type: T) =>
  z.object({
    session_id: z.string(),
    seq: z.number().int().positive(),
    ts: z.string(),
    type: z.literal(type),
    data: EVENT_DATA[type],
  });

export const TetherEvent = z
  .discriminatedUnion("type", [
    eventOf("output"),
    eventOf("status"),
    eventOf("state"),
    eventOf("approval_request"),
    eventOf("approval_resolved"),
    eventOf("human_input"),
    eventOf("interrupt"),
    eventOf("usage"),
    eventOf("renamed"),
  ])
  .meta({ id: "Event" });
/** An event, its data typed by its type: narrow on `type` to read `data`. */
export type TetherEvent = { [T in EventType]: EventOf<T> }[EventType];
export interface EventOf<T extends EventType> {
  session_id: string;
  seq: number;
  ts: string;
  type: T;
  data: EventData<T>;
}

// ---------- External Agent API (the original product's contract) ----------

export const ExternalCreateSessionBody = z.object({
  agent_metadata: AgentMetadata.default({
    name: "agent",
    type: "custom",
    icon: null,
    workspace: null,
  }),
  session_name: shortText(200).optional().describe("Defaults to the agent's name"),
  platform: z
    .string()
    .max(50)
    .nullable()
    .default(null)
    .describe("Chat platform to open a thread on: telegram, slack, discord"),
});

export const ThreadInfo = z.object({ thread_id: z.string(), platform: z.string() });
export type ThreadInfo = z.infer<typeof ThreadInfo>;

export const ExternalCreateSessionReply = z.object({
  session_id: z.string(),
  platform: z.string().nullable(),
  thread_info: ThreadInfo.nullable().describe(
    "The session's thread on `platform`, opened before this reply when a bridge for that platform is configured; null otherwise, or when the platform did not answer in time (see thread_error)",
  ),
  thread_error: z
    .string()
    .optional()
    .describe(
      "Only when a bridge for `platform` is configured but could not open the thread (down, or slower than 10 s): why. The session exists; its thread is opened once the platform answers",
    ),
});

export const OutputBody = z.object({
  text: sizedText(LIMITS.outputText).describe(
    `What to show the human (Markdown); at most ${LIMITS.outputText} characters`,
  ),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => jsonLength(m) <= LIMITS.metadata, tooLarge(LIMITS.metadata, "bytes of JSON"))
    .default({})
    .describe(
      `Anything extra to keep with the output, e.g. file names; at most ${LIMITS.metadata} bytes as JSON`,
    ),
  kind: OutputKind.optional().describe("How to render it; plain text when absent"),
});

export const DEFAULT_APPROVAL_OPTIONS = ["Approve", "Reject"];

/** The fields of an approval request, without the check that ties them together: what a tool
 * schema (MCP) picks from, as a refined object cannot be picked from. */
export const ApprovalRequestFields = z.object({
  title: sizedShortText(LIMITS.approvalTitle).describe(
    `The question, short: what should happen; at most ${LIMITS.approvalTitle} characters`,
  ),
  description: sizedText(LIMITS.approvalDescription)
    .default("")
    .describe(
      "Details the human needs to decide (Markdown): the command, the diff, the risk; " +
        `at most ${LIMITS.approvalDescription} characters`,
    ),
  options: z
    .array(sizedShortText(LIMITS.approvalOption))
    .min(1)
    .refine(
      (o) => o.length <= LIMITS.approvalOptionCount,
      tooLarge(LIMITS.approvalOptionCount, "items"),
    )
    .refine((o) => new Set(o).size === o.length, "options must be distinct")
    .default(DEFAULT_APPROVAL_OPTIONS)
    .describe(
      `The answers to offer, distinct, at most ${LIMITS.approvalOptionCount} of at most ` +
        `${LIMITS.approvalOption} characters; default ["Approve","Reject"]`,
    ),
  risky_options: z
    .array(sizedShortText(LIMITS.approvalOption))
    .refine(
      (o) => o.length <= LIMITS.approvalOptionCount,
      tooLarge(LIMITS.approvalOptionCount, "items"),
    )
    .default([])
    .describe(
      "The options that cannot be taken back (a force-push, a deletion): each one of `options`; " +
        "the web app asks the human to confirm them; default none",
    ),
  tool_name: z.string().max(200).nullable().default(null),
  tool_input: z
    .unknown()
    .refine((v) => jsonLength(v) <= LIMITS.toolInput, tooLarge(LIMITS.toolInput, "bytes of JSON"))
    .default(null)
    .describe(`The tool's input, any JSON; at most ${LIMITS.toolInput} bytes serialized`),
});

export const ApprovalRequestBody = ApprovalRequestFields.superRefine((request, ctx) => {
  request.risky_options.forEach((option, i) => {
    if (!request.options.includes(option)) {
      ctx.addIssue({
        code: "custom",
        path: ["risky_options", i],
        message: `"${option.slice(0, 50)}" is not one of options`,
      });
    }
  });
});
export type ApprovalRequestBody = z.infer<typeof ApprovalRequestBody>;

export const ApprovalRequestReply = z.object({ request_id: z.string(), seq: z.number().int() });

export const StatusBody = z.object({
  status: AgentStatus,
  message: z.string().max(10_000).optional(),
});

/** A query parameter of whole or fractional seconds between 0 and `max`, named in its errors. */
const waitSeconds = (name: string, max: number, byDefault: number) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds between 0 and ${max}` })
    .min(0, `${name} must be between 0 and ${max} seconds`)
    .max(max, `${name} must be between 0 and ${max} seconds`)
    .default(byDefault);

export const InputQuery = z.object({
  timeout: waitSeconds("timeout", 300, 30).describe(
    "Seconds to wait for input before answering 204",
  ),
  after: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "Seq of the last message the agent handled. Acknowledges it and everything before it. " +
        "Without it, a message counts as handled once its response has been sent.",
    ),
});

export const HumanInputData = z.object({ text: z.string(), timestamp: z.string() });
export const ApprovalResponseData = z.object({
  request_id: z.string(),
  option: z.string(),
  decided_by: z.string(),
  timestamp: z.string(),
  message: z.string().optional().describe("What the human said with the decision, if anything"),
});

export const AgentMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("human_input"), seq: z.number().int(), data: HumanInputData }),
  z.object({
    type: z.literal("approval_response"),
    seq: z.number().int(),
    data: ApprovalResponseData,
  }),
  z.object({
    type: z.literal("interrupt"),
    seq: z.number().int(),
    data: z.object({ timestamp: z.string() }),
  }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** Optional correlation id of a socket message, echoed in its reply. */
const MessageId = z.string().max(100).optional();

/** Messages an agent sends over the External WebSocket. */
export const AgentSocketMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("output"), id: MessageId, data: OutputBody }),
  z.object({ type: z.literal("approval_request"), id: MessageId, data: ApprovalRequestBody }),
  z.object({ type: z.literal("status"), id: MessageId, data: StatusBody }),
  z.object({
    type: z.literal("ack"),
    id: MessageId,
    data: z.object({ seq: z.number().int().nonnegative() }),
  }),
]);

// ---------- App API ----------

export const SessionIdParams = z.object({ id: z.string().min(1).max(100) });
export const ApprovalWaitQuery = z.object({
  wait: waitSeconds("wait", 120, 0).describe(
    "Seconds to wait for a pending approval to be answered or withdrawn before answering; " +
      "it comes back still pending if neither happened",
  ),
});
export const ApprovalIdParams = z.object({ id: z.string().min(1).max(100) });

export const CreateSessionBody = z.object({
  name: shortText(200).optional().describe("Display name; default from the prompt or agent"),
  kind: z
    .string()
    .max(50)
    .optional()
    .describe(
      `Agent to run: ${kindChoices()} (a session an outside agent drives); default TETHER_AGENT_ADAPTER`,
    ),
  directory: z
    .string()
    .max(4096)
    .nullable()
    .default(null)
    .describe("Absolute path of the directory the agent works in"),
  prompt: sizedText(LIMITS.humanText)
    .optional()
    .describe(`First input for the agent; at most ${LIMITS.humanText} characters`),
  agent: AgentMetadata.optional(),
  platform: z.string().max(50).nullable().default(null),
});

export const ListSessionsQuery = z.object({
  state: SessionState.optional().describe("Only sessions in this state"),
  kind: z.string().optional().describe("Only sessions of this adapter kind, e.g. external"),
});

export const RenameBody = z.object({ name: shortText(200) });
export const InputBody = z.object({
  text: sizedText(LIMITS.humanText)
    .min(1)
    .describe(`The message; at most ${LIMITS.humanText} characters`),
  sender: z.string().max(200).default("api").describe("Who typed it, e.g. web:phone, cli:alice"),
});
export const InputReply = z.object({ seq: z.number().int() });

// Both bodies may be left out entirely: `curl -X POST …/interrupt` is the common call.
export const StartBody = z
  .object({ prompt: sizedText(LIMITS.humanText).optional() })
  .nullish()
  .describe("optional; a prompt to send once started");
export const InterruptBody = z
  .object({ by: shortText(200).optional().describe('who asked; default "api"') })
  .nullish();
export const EndBody = z
  .object({ by: shortText(200).optional().describe('who ended it; default "api"') })
  .nullish();
export const ResolveBody = z.object({
  option: z.string().min(1).max(200).describe("One of the approval's options"),
  decided_by: z
    .string()
    .max(200)
    .optional()
    .describe(
      "Ignored for paired web devices (recorded as web:<device>). A token caller may label " +
        "itself cli, mcp or api, optionally with :<name> (letters, digits, . _ @ -, up to 64), " +
        "e.g. cli:alice@laptop; anything else is recorded as api (or local in dev mode)",
    ),
  message: z
    .string()
    .max(10_000)
    .optional()
    .describe("Sent back to the agent with the decision, e.g. why a tool use was denied"),
});

/** A page of approvals ends at the one named by `next_before`: `<created_at>~<id>`. */
export const APPROVAL_CURSOR = /^([^~]{1,64})~([^~]{1,100})$/;

export const ListApprovalsQuery = z.object({
  status: ApprovalStatus.default("pending").describe("Which approvals; default pending"),
  session_id: z.string().optional().describe("Only this session's approvals"),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe("Approvals per page, newest first; default 100, at most 1000"),
  before: z
    .string()
    .regex(APPROVAL_CURSOR, "before must be the next_before of the previous page")
    .optional()
    .describe("The next_before of the previous page: continue with older approvals"),
});

export const ApprovalList = z.object({
  approvals: z.array(Approval),
  next_before: z
    .string()
    .nullable()
    .describe("Pass as `before` for the next (older) page; null on the last page"),
});

export const EventsQuery = z.object({
  since_seq: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe("Events per page at most; a page also ends once it holds about 4 MB"),
});

export const EventsPage = z.object({
  events: z.array(TetherEvent),
  next_since_seq: z.number().int().describe("Pass as since_seq for the next page"),
  has_more: z.boolean().describe("Whether more events follow this page now"),
});

export const StreamQuery = z.object({
  since_seq: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Replay events after this seq, then follow live"),
  token: z.string().optional().describe("Auth token, for clients that cannot set headers"),
});

// ---------- terminal hooks (src/hooks/) ----------

export const HOOK_AGENTS = ["claude", "codex"] as const;
export const HookAgentParams = z.object({
  agent: z.enum(HOOK_AGENTS).describe("Whose hook this is: Claude Code or Codex"),
});

/** What Claude Code and Codex send their hooks (both the same shape): the fields Tether reads,
 * bounded; anything else they add is let through and ignored. */
export const HookInput = z
  .looseObject({
    session_id: z.string().min(1).max(200).describe("The agent's own session (thread) id"),
    hook_event_name: z.string().min(1).max(100),
    cwd: z.string().max(4096).optional(),
    transcript_path: z.string().max(4096).nullable().optional(),
    tool_name: z.string().max(200).optional(),
    tool_input: z.unknown().optional(),
    tool_use_id: z.string().max(200).optional(),
    tool_response: z.unknown().optional(),
    error: z.unknown().optional(),
    prompt: z.string().max(LIMITS.humanText).optional(),
    message: z.string().max(LIMITS.humanText).optional(),
    notification_type: z.string().max(100).optional(),
    last_assistant_message: z.string().nullable().optional(),
    stop_hook_active: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
    source: z.string().max(100).optional(),
    tether_agent_process: z
      .object({
        pid: z.number().int().positive(),
        start: z.string().max(100).nullable(),
      })
      .optional()
      .describe(
        "Added by `tether hook`: the agent process that ran the hook, and when it started " +
          "(so a reused pid is not taken for it)",
      ),
  })
  .meta({ id: "HookInput" });
export type HookInput = z.infer<typeof HookInput>;

/** The hook's answer, as the agent reads it: `{}` (go on as without Tether), a permission
 * decision, or a Stop hook's `{decision: "block", reason}` (the human's reply). */
export const HookOutput = z.record(z.string(), z.unknown()).meta({ id: "HookOutput" });

export const BridgeHealth = z.object({
  name: z.string().describe("The platform: telegram, slack, discord"),
  state: z
    .enum(["starting", "connected", "retrying", "stopped"])
    .describe("retrying: the platform is unreachable or refusing; events wait on disk"),
  since: z.string().describe("When it entered this state (ISO time)"),
  last_error: z.string().nullable().describe("The newest failure, without secrets"),
  backlog: z.number().int().nonnegative().describe("Events committed but not yet delivered"),
});
export type BridgeHealth = z.infer<typeof BridgeHealth>;

export const BridgeUserInfo = z
  .object({
    user_id: z.string().describe("The platform's user id"),
    name: z.string().describe("How the platform names them (@ada)"),
    paired_at: z.string().describe("When they paired (ISO time)"),
  })
  .meta({ id: "BridgeUser" });
export type BridgeUserInfo = z.infer<typeof BridgeUserInfo>;

export const BridgeInfo = BridgeHealth.extend({
  pairing: z
    .boolean()
    .describe(
      "Whether users pair with a one-time code (`/pair <code>`); false when an allow list (TELEGRAM_ALLOWED_USER_IDS) names who may answer",
    ),
  users: z.array(BridgeUserInfo).describe("Who paired with a code and may answer, oldest first"),
  pair_command: z
    .string()
    .describe(
      "What a user sends before the code to pair: `/pair` (Telegram), `/tether pair` (Slack)",
    ),
  pair_where: z.string().describe("Where to send it, e.g. `in the bot's group`"),
}).meta({ id: "Bridge" });
export type BridgeInfo = z.infer<typeof BridgeInfo>;

export const BridgeList = z.object({
  bridges: z.array(BridgeInfo).describe("Each running chat bridge; empty without one"),
});
export type BridgeList = z.infer<typeof BridgeList>;

const BridgeName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be a bridge's name, such as telegram")
  .describe("The bridge's platform: telegram");

export const BridgeNameParams = z.object({ name: BridgeName });
export const BridgeUserParams = z.object({
  name: BridgeName,
  user_id: z
    .string()
    .regex(/^[A-Za-z0-9._:@-]{1,64}$/, "must be a user id as GET /api/bridges lists it")
    .describe("The platform's user id, as GET /api/bridges lists it"),
});

export const PairingCodeReply = z
  .object({
    code: z
      .string()
      .describe(
        'A one-time code: the first chat user who sends "/pair <code>" where the bot is may answer from then on',
      ),
    expires_at: z.string().describe("When it stops working (ISO time), if unused"),
  })
  .meta({ id: "PairingCode" });
export type PairingCodeReply = z.infer<typeof PairingCodeReply>;

export const Health = z.object({
  status: z.literal("ok"),
  version: z.string(),
  uptime_s: z.number(),
  sessions: z.number().int(),
  pending_approvals: z.number().int(),
  auth: z.boolean(),
  bridges: z.array(BridgeHealth).describe("Each configured chat bridge; empty without one"),
});

export const UsageReply = z.object({
  total: Usage,
  sessions: z.array(z.object({ session_id: z.string(), name: z.string(), usage: Usage })),
});

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });

/** Messages a viewer sends over the App WebSocket; `id` is echoed in the reply. */
export const ViewerSocketMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("resolve"),
    id: MessageId,
    data: ResolveBody.extend({ approval_id: z.string().min(1) }),
  }),
  z.object({
    type: z.literal("input"),
    id: MessageId,
    data: InputBody.extend({ session_id: z.string().min(1) }),
  }),
]);

// ---------- Push notifications ----------

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Bytes of a base64url string, or -1 when it is not base64url. Counted, not decoded, so this
 * file stays free of Node's Buffer (the web app imports it too). */
function base64urlBytes(value: string): number {
  const digits = value.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9_-]+$/.test(digits) || digits.length % 4 === 1) return -1;
  return Math.floor((digits.length * 3) / 4);
}

export const PushEndpoint = z
  .url("endpoint: must be the URL of the push service from PushSubscription.endpoint")
  .max(2048)
  .refine((u) => {
    // Refinements run even when z.url() failed; that failure has been reported already.
    if (!URL.canParse(u)) return true;
    const url = new URL(u);
    // Browsers' push services are all HTTPS; plain HTTP only on this machine (a local push
    // service, or the fake one in the tests).
    return (
      url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))
    );
  }, "endpoint: must be an https:// URL")
  .describe("PushSubscription.endpoint: the push service URL for this browser");

export const PushSubscriptionBody = z.object({
  endpoint: PushEndpoint,
  // Browsers add expirationTime (usually null) to the subscription's JSON; accepted, unused.
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z
      .string()
      .refine(
        (k) => base64urlBytes(k) === 65,
        "keys.p256dh: must be the browser's P-256 public key, 65 bytes in base64url",
      ),
    auth: z
      .string()
      .refine(
        (k) => base64urlBytes(k) >= 16 && base64urlBytes(k) <= 64,
        "keys.auth: must be the browser's auth secret, 16 bytes in base64url",
      ),
  }),
  label: z.string().trim().max(200).optional().describe("A name for this device, e.g. phone"),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

export const PushSubscriptionInfo = z
  .object({
    endpoint: z.string(),
    label: z.string().nullable(),
    user_agent: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "PushSubscription" });
export type PushSubscriptionInfo = z.infer<typeof PushSubscriptionInfo>;

export const PushSubscriptionList = z.object({ subscriptions: z.array(PushSubscriptionInfo) });
export const DeletePushSubscriptionBody = z.object({ endpoint: z.string().min(1).max(2048) });
export const VapidPublicKeyReply = z.object({
  public_key: z
    .string()
    .describe("The VAPID public key (base64url): applicationServerKey for pushManager.subscribe"),
});
export const PushTestReply = z.object({
  subscriptions: z.number().int().describe("Push subscriptions tried"),
  delivered: z.number().int(),
  removed: z.number().int().describe("Subscriptions the push service said are gone (404/410)"),
  failed: z.number().int(),
  ntfy: z.enum(["delivered", "failed", "not_configured"]),
});
export type PushTestReply = z.infer<typeof PushTestReply>;

export const AgentKind = z.object({
  kind: z.string().describe("The name a session's `kind` takes (TETHER_AGENT_ADAPTER's values)"),
  alias: z.string().nullable().describe("The short name that may be typed instead"),
  agent: z.string().describe("The agent it runs, and through what"),
  login: z.string().describe("What the agent logs in with"),
});

export const AgentsReply = z
  .object({
    default_kind: z.string().describe("The kind of a session created without one"),
    kinds: z.array(AgentKind).describe("Every adapter Tether can run (and `external` is not one)"),
    default_directory: z
      .string()
      .nullable()
      .describe(
        "Where a session created without a directory runs: the first allowed root, as its real path; null when that folder is missing",
      ),
    allowed_roots: z.array(z.string()).describe("TETHER_ALLOWED_ROOTS: where sessions may run"),
  })
  .meta({ id: "Agents" });
export type AgentsReply = z.infer<typeof AgentsReply>;
