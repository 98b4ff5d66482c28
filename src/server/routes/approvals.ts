import { claimedActor } from "../../core/actor.js";
import { agentCannotDecide } from "../../core/errors.js";
import {
  APPROVAL_CURSOR,
  Approval,
  ApprovalIdParams,
  ApprovalList,
  ApprovalWaitQuery,
  ErrorBody,
  ListApprovalsQuery,
  ResolveBody,
  SessionIdParams,
} from "../../shared/schemas.js";
import { actorOf } from "../actor.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Approvals"];
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const resolveErrors = { ...errors, 403: ErrorBody };

/** One page of approvals for a list query, with the cursor of the next. */
async function approvalPage(
  engine: ServerDeps["engine"],
  query: {
    status: Approval["status"];
    sessionId?: string | undefined;
    limit: number;
    before?: string | undefined;
  },
) {
  const cursor = query.before === undefined ? undefined : APPROVAL_CURSOR.exec(query.before);
  const approvals = await engine.approvals.list({
    status: query.status,
    sessionId: query.sessionId,
    // One more than asked for, to know whether another page follows.
    limit: query.limit + 1,
    before: cursor ? { created_at: cursor[1]!, id: cursor[2]! } : undefined,
  });
  const more = approvals.length > query.limit;
  if (more) approvals.length = query.limit;
  const last = approvals[approvals.length - 1];
  return { approvals, next_before: more && last ? `${last.created_at}~${last.id}` : null };
}

export function approvalRoutes(app: App, { engine, agents }: ServerDeps) {
  app.get(
    "/api/approvals",
    {
      schema: {
        tags,
        summary: "List approvals across all sessions (pending by default), newest first",
        description:
          "Paged: at most `limit` (default 100, max 1000); pass `next_before` back as `before` " +
          "for the next page until it is null.",
        querystring: ListApprovalsQuery,
        response: { 200: ApprovalList, ...errors },
      },
    },
    async (req) =>
      approvalPage(engine, {
        ...req.query,
        sessionId: req.query.session_id && engine.getSession(req.query.session_id).id,
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
    async (req) =>
      approvalPage(engine, { ...req.query, sessionId: engine.getSession(req.params.id).id }),
  );

  app.get(
    "/api/approvals/:id",
    {
      schema: {
        tags,
        summary: "Get one approval; with wait, once it is answered (a long poll)",
        params: ApprovalIdParams,
        querystring: ApprovalWaitQuery,
        response: { 200: Approval, ...errors },
      },
    },
    async (req) => {
      const approval = await engine.approvals.get(req.params.id);
      if (approval.status !== "pending" || req.query.wait === 0) return approval;
      const done = new AbortController();
      const timer = setTimeout(() => done.abort(), req.query.wait * 1000);
      const gone = () => done.abort();
      req.raw.socket.once("close", gone);
      try {
        const outcome = await engine.approvals.settled(approval.id, done.signal);
        return outcome?.approval ?? (await engine.approvals.get(approval.id));
      } finally {
        clearTimeout(timer);
        req.raw.socket.off("close", gone);
      }
    },
  );

  app.post(
    "/api/approvals/:id/resolve",
    {
      schema: {
        tags,
        summary: "Answer an approval; the first answer wins, later ones get 409 naming the winner",
        description:
          "decided_by is recorded from the credential the request came with: web:<device> for " +
          "a paired device; for the token, the body's decided_by if it is cli, mcp or api " +
          "(optionally :<name>), else api; local in dev mode, labelled the same way.",
        params: ApprovalIdParams,
        body: ResolveBody,
        response: { 200: Approval, ...resolveErrors },
      },
    },
    async (req) => {
      // An agent must not answer its own (or any) approval, token or not.
      if (await agents.isAgentConnection(req.raw.socket)) throw agentCannotDecide();
      const { decided_by, option, message } = req.body;
      return engine.approvals.resolve(req.params.id, {
        option,
        message,
        actor: claimedActor(actorOf(req), decided_by),
      });
    },
  );
}
