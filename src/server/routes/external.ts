// The External Agent API: the original product's contract, so existing agents work unchanged.
import { z } from "zod";
import { EXTERNAL_KIND } from "../../shared/kinds.js";
import {
  AgentMessage,
  ApprovalRequestBody,
  ApprovalRequestReply,
  ErrorBody,
  ExternalCreateSessionBody,
  ExternalCreateSessionReply,
  InputQuery,
  OutputBody,
  SessionIdParams,
  StatusBody,
} from "../../shared/schemas.js";
import { waitForAgentMessage } from "../agent-long-poll.js";
import { clientGone } from "../client-gone.js";
import type { App, ServerDeps } from "../types.js";
import { externalSocket } from "../ws/external-socket.js";

const tags = ["External Agent API"];
// Session ids on this API are full ids: no prefix matching (the App API keeps it for the CLI).
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Accepted = z.object({ ok: z.literal(true), seq: z.number().int() });

export function externalRoutes(app: App, deps: ServerDeps) {
  const { engine } = deps;

  app.post(
    "/external/sessions",
    {
      schema: {
        tags,
        summary: "Register an agent session",
        description:
          "With a `platform` whose chat bridge is configured, the session's thread there is " +
          "opened before the reply and returned as `thread_info`. A platform that is down or " +
          "slower than 10 s does not fail the call (the session is created, and retrying would " +
          "make a second one): `thread_info` is null, `thread_error` says why, and the bridge " +
          "opens the thread once the platform answers.",
        body: ExternalCreateSessionBody,
        response: { 200: ExternalCreateSessionReply, 400: ErrorBody },
      },
    },
    async (req) => {
      const { agent_metadata: agent, session_name, platform } = req.body;
      const session = await engine.createSession({
        kind: EXTERNAL_KIND,
        name: session_name,
        agent,
        directory: agent.workspace,
        platform,
      });
      const thread = await deps.bridges.openThread(session);
      return { session_id: session.id, platform: session.platform, ...thread };
    },
  );

  app.post(
    "/external/sessions/:id/output",
    {
      schema: {
        tags,
        summary: "Send output (assistant text, tool activity) to the human",
        params: SessionIdParams,
        body: OutputBody,
        response: { 200: Accepted, ...errors },
      },
    },
    async (req) => {
      const event = await engine.appendOutput(engine.getSessionById(req.params.id).id, req.body);
      return { ok: true as const, seq: event.seq };
    },
  );

  app.post(
    "/external/sessions/:id/approval",
    {
      schema: {
        tags,
        summary: "Ask the human to approve something; the answer arrives as approval_response",
        params: SessionIdParams,
        body: ApprovalRequestBody,
        response: { 200: ApprovalRequestReply, ...errors },
      },
    },
    async (req) => {
      const id = engine.getSessionById(req.params.id).id;
      const approval = await engine.approvals.ask(id, req.body);
      return { request_id: approval.id, seq: approval.seq };
    },
  );

  app.post(
    "/external/sessions/:id/status",
    {
      schema: {
        tags,
        summary: "Report status: thinking, executing, done (waiting for the human) or error",
        params: SessionIdParams,
        body: StatusBody,
        response: { 200: z.object({ ok: z.literal(true), state: z.string() }), ...errors },
      },
    },
    async (req) => {
      const id = engine.getSessionById(req.params.id).id;
      const { state } = await engine.reportStatus(id, req.body.status, req.body.message);
      return { ok: true as const, state };
    },
  );

  app.get(
    "/external/sessions/:id/input",
    {
      schema: {
        tags,
        summary: "Long-poll for the next human input or approval decision",
        description:
          "Answers the oldest message the agent has not handled, waiting up to `timeout` " +
          "seconds; 204 when none came. Pass `after` (the seq of the last message handled) to " +
          "acknowledge explicitly; without it a message counts as handled once it was sent.",
        params: SessionIdParams,
        querystring: InputQuery,
        response: { 200: AgentMessage, 204: z.undefined(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { timeout, after } = req.query;
      const session = engine.getSessionById(id);
      if (after !== undefined) await engine.acknowledge(session.id, after);
      const message = await waitForAgentMessage(
        deps,
        session.id,
        after ?? 0,
        timeout * 1000,
        clientGone(req, reply),
      );
      if (!message) return reply.code(204).send();
      if (after === undefined) {
        reply.raw.once("finish", () => {
          engine.acknowledge(session.id, message.seq).catch(() => {
            // Not acknowledged: the agent gets it again, which at-least-once allows.
          });
        });
      }
      return message;
    },
  );

  app.get(
    "/external/sessions/:id/ws",
    {
      websocket: true,
      schema: {
        tags,
        summary: "WebSocket for agents (see README: External WebSocket protocol)",
        params: SessionIdParams,
        querystring: z.object({
          since_seq: z.coerce.number().int().nonnegative().optional(),
          token: z.string().optional(),
        }),
      },
    },
    (socket, req) =>
      externalSocket(deps, socket, req.raw.socket, req.params.id, req.query.since_seq),
  );
}
