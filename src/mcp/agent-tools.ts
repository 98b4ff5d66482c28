// Tools for an agent that needs its human: open a session, say what it is doing, ask for an
// approval and wait for the decision, wait for an instruction. They use the External Agent API,
// as any agent would.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TetherClient } from "../client/api.js";
import { ApprovalRequestFields, ExternalCreateSessionBody, OutputBody } from "../shared/schemas.js";
import { guarded, ok } from "./result.js";
import { awaitDecision, awaitInput } from "./waiting.js";

/** Most MCP clients give up on a tool call after a minute or so; waits default below that, and
 * a wait that ends early can simply be called again. */
const DEFAULT_WAIT_S = 50;

const waitSeconds = (what: string) =>
  z
    .number()
    .min(0)
    .max(3600)
    .default(DEFAULT_WAIT_S)
    .describe(
      `Seconds to wait for ${what} (0–3600, default ${DEFAULT_WAIT_S}). Keep it under your MCP ` +
        "client's tool timeout; when it runs out, call again to keep waiting.",
    );

/** Remembers the session this connection opened, so later calls may leave session_id out. */
export interface AgentState {
  sessionId: string | undefined;
}

function sessionIdArg() {
  return z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe(
      "Tether session id (or a unique prefix); default: the session create_session opened " +
        "in this connection",
    );
}

function pickSession(state: AgentState, given: string | undefined): string {
  const id = given ?? state.sessionId;
  if (!id) throw new Error("no session: call create_session first, or pass session_id");
  return id;
}

export function registerAgentTools(server: McpServer, client: TetherClient, state: AgentState) {
  server.registerTool(
    "create_session",
    {
      title: "Open a Tether session",
      description:
        "Opens a session in Tether for this agent, so the human sees its output and answers " +
        "its questions from their phone. Returns session_id; later agent tools default to it.",
      inputSchema: ExternalCreateSessionBody.shape,
    },
    (args) =>
      guarded(async () => {
        const reply = await client.createExternalSession(args);
        state.sessionId = reply.session_id;
        return ok(reply);
      }),
  );

  server.registerTool(
    "send_output",
    {
      title: "Tell the human what you are doing",
      description: "Appends text to the session the human follows (progress, results, findings).",
      inputSchema: { session_id: sessionIdArg(), ...OutputBody.shape },
    },
    ({ session_id, ...body }) =>
      guarded(async () => ok(await client.sendOutput(pickSession(state, session_id), body))),
  );

  server.registerTool(
    "request_approval",
    {
      title: "Ask the human to approve something and wait for the answer",
      description:
        "Asks the human to choose one of `options` (notifying their phone) and waits up to " +
        "timeout_seconds for the decision. Returns {status:'resolved', option, decided_by}; " +
        "when the wait runs out, {status:'pending', approval_id}: the question stays open, and " +
        "await_approval waits for it again.",
      inputSchema: {
        session_id: sessionIdArg(),
        // That each risky option is one of the options is checked by the External API.
        ...ApprovalRequestFields.pick({
          title: true,
          description: true,
          options: true,
          risky_options: true,
        }).shape,
        timeout_seconds: waitSeconds("the decision"),
      },
    },
    ({ session_id, timeout_seconds, ...body }, extra) =>
      guarded(async () => {
        const request = await client.requestApproval(pickSession(state, session_id), body);
        return decision(client, request.request_id, timeout_seconds, extra.signal);
      }),
  );

  server.registerTool(
    "await_approval",
    {
      title: "Keep waiting for an approval",
      description:
        "Waits for the decision on an approval request_approval returned as still pending.",
      inputSchema: {
        approval_id: z.string().min(1).max(100).describe("The approval_id to wait for"),
        timeout_seconds: waitSeconds("the decision"),
      },
    },
    ({ approval_id, timeout_seconds }, extra) =>
      guarded(() => decision(client, approval_id, timeout_seconds, extra.signal)),
  );

  server.registerTool(
    "wait_for_input",
    {
      title: "Wait for the human's next message",
      description:
        "Waits up to timeout_seconds for the human's next message to this session. Returns " +
        "{type:'human_input', text}, {type:'interrupt'} (the human asked you to stop), or " +
        "{type:'none'} when nothing came in time.",
      inputSchema: { session_id: sessionIdArg(), timeout_seconds: waitSeconds("a message") },
    },
    ({ session_id, timeout_seconds }, extra) =>
      guarded(async () => {
        const id = pickSession(state, session_id);
        const message = await awaitInput(client, id, timeout_seconds, extra.signal);
        if (!message) {
          return ok({ type: "none", message: `no message within ${timeout_seconds} s` });
        }
        if (message.type === "interrupt") {
          return ok({ type: "interrupt", message: "the human asked you to stop" });
        }
        return ok({ type: "human_input", text: message.data.text });
      }),
  );
}

async function decision(
  client: TetherClient,
  approvalId: string,
  timeoutS: number,
  signal: AbortSignal,
) {
  const approval = await awaitDecision(client, approvalId, timeoutS, signal);
  if (approval.status === "pending") {
    return ok({
      status: "pending",
      approval_id: approval.id,
      message:
        `no decision within ${timeoutS} s; the question is still open. ` +
        "Call await_approval with this approval_id to keep waiting.",
    });
  }
  return ok({
    status: approval.status,
    approval_id: approval.id,
    option: approval.decision,
    decided_by: approval.decided_by,
  });
}
