import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { BridgeDoor } from "../bridges/host.js";
import type { Bus } from "../bus/bus.js";
import type { Engine } from "../core/engine.js";
import type { HookRelay } from "../hooks/relay.js";
import type { AdapterName } from "../shared/kinds.js";
import type {
  PushSubscriptionBody,
  PushSubscriptionInfo,
  PushTestReply,
} from "../shared/schemas.js";

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServerDeps {
  engine: Engine;
  bus: Bus;
  version: string;
  authRequired: boolean;
  /** Runs the agents of sessions Tether starts itself (every kind but `external`). */
  agents: AgentRunner;
  /** Web Push subscriptions and test notifications (src/notify). */
  push: PushService;
  /** The answer links behind ntfy's buttons (src/notify/answer-links.ts). */
  answerLinks: AnswerLinkService;
  /** The chat bridges that are configured: a new session's thread, their health and users. */
  bridges: BridgeDoor;
  /** The terminal hooks of Claude Code and Codex sessions started by hand (src/hooks). */
  hooks: Pick<HookRelay, "handle">;
}

/** What the answer-link route needs: which approval and option a capability stands for. Throws
 * a TetherError (403 not ours or changed, 410 expired) otherwise. */
export interface AnswerLinkService {
  open(capability: string): { approvalId: string; optionIndex: number };
}

/** What the push routes need of the notifications part. */
export interface PushService {
  readonly vapidPublicKey: string;
  subscribe(
    body: PushSubscriptionBody,
    userAgent: string | undefined,
  ): Promise<PushSubscriptionInfo>;
  unsubscribe(endpoint: string): Promise<void>;
  list(): Promise<PushSubscriptionInfo[]>;
  test(): Promise<PushTestReply>;
}

/** What the routes need of the supervisor. */
export interface AgentRunner {
  /** The kind of a session created without one (TETHER_AGENT_ADAPTER). */
  readonly defaultKind: AdapterName;
  runs(kind: string): boolean;
  start(sessionId: string): Promise<void>;
  stop(sessionId: string): Promise<void>;
  /** True when the client at the other end of `socket` is an agent Tether runs or a process it
   * started (Linux only; false elsewhere). The resolve routes refuse those. */
  isAgentConnection(socket: AgentConnection): Promise<boolean>;
  /** TETHER_ALLOWED_ROOTS: where sessions may run (undefined: the home directory). */
  readonly allowedRoots: readonly string[] | undefined;
}

/** The addresses of a client's TCP connection, as net.Socket has them. */
export interface AgentConnection {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}
