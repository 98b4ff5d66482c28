// The parts of the `codex app-server` v2 protocol (0.169.0) that the adapter reads, as zod schemas.
// Only the fields we use are checked; loose objects let newer Codex versions add fields freely.
// Shapes come from `codex app-server generate-ts` and were checked against the real binary.
import { z } from "zod";

export const AccountReadResult = z.looseObject({
  account: z.looseObject({ type: z.string() }).nullable(),
  /** False when the configured model provider does not use an OpenAI login (e.g. env_key). */
  requiresOpenaiAuth: z.boolean(),
});

export const ThreadResult = z.looseObject({ thread: z.looseObject({ id: z.string() }) });

const TurnError = z.looseObject({ message: z.string() });

export const Turn = z.looseObject({
  id: z.string(),
  status: z.string(),
  error: TurnError.nullish(),
});
export type Turn = z.infer<typeof Turn>;

export const TurnResult = z.looseObject({ turn: Turn });
export const TurnNotification = z.looseObject({ threadId: z.string(), turn: Turn });

const FileChange = z.looseObject({
  path: z.string(),
  kind: z.looseObject({ type: z.string() }),
  diff: z.string().optional(),
});
export type FileChange = z.infer<typeof FileChange>;

/** The thread items the adapter renders; any other type parses as `Other` and is skipped. */
export const Item = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("agentMessage"), id: z.string(), text: z.string() }),
  z.looseObject({
    type: z.literal("reasoning"),
    id: z.string(),
    summary: z.array(z.string()).default([]),
    content: z.array(z.string()).default([]),
  }),
  z.looseObject({
    type: z.literal("commandExecution"),
    id: z.string(),
    command: z.string(),
    cwd: z.string().nullish(),
    status: z.string(),
    aggregatedOutput: z.string().nullish(),
    exitCode: z.number().nullish(),
    durationMs: z.number().nullish(),
  }),
  z.looseObject({
    type: z.literal("fileChange"),
    id: z.string(),
    changes: z.array(FileChange),
    status: z.string(),
  }),
  z.looseObject({
    type: z.literal("mcpToolCall"),
    id: z.string(),
    server: z.string(),
    tool: z.string(),
    status: z.string(),
    arguments: z.unknown(),
    result: z.unknown(),
    error: z.looseObject({ message: z.string() }).nullish(),
  }),
]);
export type Item = z.infer<typeof Item>;

export const ItemNotification = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  item: z.looseObject({ type: z.string(), id: z.string() }),
});

export const ErrorNotification = z.looseObject({
  error: TurnError,
  willRetry: z.boolean().default(false),
  turnId: z.string().nullish(),
});

const TokenBreakdown = z.looseObject({ inputTokens: z.number(), outputTokens: z.number() });
export const TokenUsageNotification = z.looseObject({
  threadId: z.string(),
  tokenUsage: z.looseObject({ total: TokenBreakdown }),
});

export const ConfigWarning = z.looseObject({
  summary: z.string(),
  details: z.string().nullish(),
});

export const ServerRequestResolved = z.looseObject({
  requestId: z.union([z.string(), z.number()]),
});

// ---- server → client approval requests ---------------------------------------------------------

export const CommandApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  reason: z.string().nullish(),
  command: z.string().nullish(),
  cwd: z.string().nullish(),
});
export type CommandApprovalParams = z.infer<typeof CommandApprovalParams>;

export const FileChangeApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  reason: z.string().nullish(),
  grantRoot: z.string().nullish(),
});
export type FileChangeApprovalParams = z.infer<typeof FileChangeApprovalParams>;

const NetworkPermissions = z.looseObject({ enabled: z.boolean().nullish() });
const FileSystemPermissions = z.looseObject({
  read: z.array(z.string()).nullish(),
  write: z.array(z.string()).nullish(),
});
export const PermissionsApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  reason: z.string().nullish(),
  cwd: z.string().nullish(),
  permissions: z.looseObject({
    network: NetworkPermissions.nullish(),
    fileSystem: FileSystemPermissions.nullish(),
  }),
});
export type PermissionsApprovalParams = z.infer<typeof PermissionsApprovalParams>;
