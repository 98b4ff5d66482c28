import { z } from "zod";
import { agentCannotDecide } from "../../core/errors.js";
import {
  Approval,
  ApprovalIdParams,
  ErrorBody,
  ListApprovalsQuery,
  ResolveBody,
  SessionIdParams,
} from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Approvals"];
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const resolveErrors = { ...errors, 403: ErrorBody };
const ApprovalList = z.object({ approvals: z.array(Approval) });

export function approvalRoutes(app: App, { engine, agents }: ServerDeps) {
  app.get(
    "/api/approvals",
    {
      schema: {
        tags,
        summary: "List approvals across all sessions (pending by default), newest first",
        querystring: ListApprovalsQuery,
        response: { 200: ApprovalList, ...errors },
      },
    },
    async (req) => ({
      approvals: await engine.listApprovals({
        status: req.query.status,
        sessionId: req.query.session_id && engine.getSession(req.query.session_id).id,
      }),
    }),
  );

  app.get(
    "/api/sessions/:id/approvals",
    {
      schema: {
        tags,
        summary: "List one session's approvals (pending by default)",
        params: SessionIdParams,
        querystring: ListApprovalsQuery.omit({ session_id: true }),
        response: { 200: ApprovalList, ...errors },
      },
    },
    async (req) => ({
      approvals: await engine.listApprovals({
        status: req.query.status,
        sessionId: engine.getSession(req.params.id).id,
      }),
    }),
  );

  app.get(
    "/api/approvals/:id",
    {
      schema: {
        tags,
        summary: "Get one approval",
        params: ApprovalIdParams,
        response: { 200: Approval, ...errors },
      },
    },
    async (req) => engine.getApproval(req.params.id),
  );

  app.post(
    "/api/approvals/:id/resolve",
    {
      schema: {
        tags,
        summary: "Answer an approval; the first answer wins, later ones get 409 naming the winner",
        params: ApprovalIdParams,
        body: ResolveBody,
        response: { 200: Approval, ...resolveErrors },
      },
    },
    async (req) => {
      // An agent must not answer its own (or any) approval, token or not.
      if (await agents.isAgentConnection(req.raw.socket)) throw agentCannotDecide();
      return engine.resolveApproval(req.params.id, req.body);
    },
  );
}
