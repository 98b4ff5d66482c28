// Tools for an orchestrating agent: run Tether sessions, watch them, answer their approvals.
// They use the App API, as the web app and the CLI do.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TetherClient } from "../client/api.js";
import {
  CreateSessionBody,
  InputBody,
  ListApprovalsQuery,
  ListSessionsQuery,
  ResolveBody,
} from "../shared/schemas.js";
import { guarded, ok } from "./result.js";

const sessionId = z
  .string()
  .min(1)
  .max(100)
  .describe("Tether session id (or a unique prefix of one)");

export function registerOrchestratorTools(
  server: McpServer,
  client: TetherClient,
  /** False for a caller inside an agent Tether runs: it gets no tool to answer approvals. */
  canDecide = true,
) {
  server.registerTool(
    "list_sessions",
    {
      title: "List Tether sessions",
      description: "Lists sessions, optionally only those in one state or of one adapter kind.",
      inputSchema: ListSessionsQuery.shape,
    },
    (args) => guarded(async () => ok({ sessions: await client.listSessionsWhere(args) })),
  );

  server.registerTool(
    "get_session",
    {
      title: "Get a session and its recent events",
      description: "One session (state, agent, usage) with its most recent events.",
      inputSchema: {
        session_id: sessionId,
        events: z
          .number()
          .int()
          .min(0)
          .max(500)
          .default(20)
          .describe("How many of the newest events to include (default 20)"),
      },
    },
    ({ session_id, events }) =>
      guarded(async () => {
        const session = await client.getSession(session_id);
        const since = Math.max(0, session.last_seq - events);
        const recent = events === 0 ? [] : await client.events(session.id, since, events);
        return ok({ session, events: recent });
      }),
  );

  server.registerTool(
    "start_session",
    {
      title: "Start an agent session",
      description:
        "Creates a session run by one of Tether's adapters (Claude Code, Codex) in a " +
        "directory and, with a prompt, starts it working.",
      inputSchema: CreateSessionBody.pick({ kind: true, name: true, directory: true, prompt: true })
        .shape,
    },
    (args) => guarded(async () => ok(await client.createSession(args))),
  );

  server.registerTool(
    "send_input",
    {
      title: "Send a message to a session's agent",
      description: "Queues a message for the session's agent: its next turn, or an answer.",
      inputSchema: {
        session_id: sessionId,
        text: InputBody.shape.text.describe("The message for the agent"),
        sender: InputBody.shape.sender.unwrap().default("mcp").describe("Who is sending it"),
      },
    },
    ({ session_id, text, sender }) =>
      guarded(async () => ok(await client.sendInput(session_id, text, sender))),
  );

  server.registerTool(
    "interrupt",
    {
      title: "Interrupt a session",
      description: "Asks the session's agent to stop its current turn.",
      inputSchema: {
        session_id: sessionId,
        by: z.string().min(1).max(200).default("mcp").describe("Who asked (default mcp)"),
      },
    },
    ({ session_id, by }) => guarded(async () => ok(await client.interrupt(session_id, by))),
  );

  server.registerTool(
    "list_approvals",
    {
      title: "List approvals",
      description: "Approvals waiting for an answer (or, with status, resolved or cancelled ones).",
      inputSchema: ListApprovalsQuery.shape,
    },
    (args) => guarded(async () => ok({ approvals: await client.listApprovalsWhere(args) })),
  );

  if (!canDecide) return;
  server.registerTool(
    "resolve_approval",
    {
      title: "Answer an approval",
      description:
        "Answers a pending approval with one of its options. The first answer wins; a later " +
        "one is refused and names the winner.",
      inputSchema: {
        approval_id: z.string().min(1).max(100).describe("Approval id (or a unique prefix)"),
        ...ResolveBody.shape,
        decided_by: ResolveBody.shape.decided_by
          .unwrap()
          .default("mcp")
          .describe("Who answered: mcp or mcp:<name>; the daemon records api for anything else"),
      },
    },
    ({ approval_id, ...body }) =>
      guarded(async () => ok(await client.resolveApprovalWith(approval_id, body))),
  );
}
