import { z } from "zod";
import { allowedDirectory } from "../../adapters/allowed-roots.js";
import { actorLabel, claimedActor } from "../../core/actor.js";
import { TetherError } from "../../core/errors.js";
import { kindChoices, type SessionKind, sessionKindNamed } from "../../shared/kinds.js";
import {
  CreateSessionBody,
  EndBody,
  ErrorBody,
  InputBody,
  InputReply,
  InterruptBody,
  ListSessionsQuery,
  RenameBody,
  Session,
  SessionIdParams,
  StartBody,
} from "../../shared/schemas.js";
import { nameFromPrompt } from "../../shared/session-name.js";
import { actorOf } from "../actor.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Sessions"];
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function sessionRoutes(app: App, deps: ServerDeps) {
  const { engine } = deps;

  app.get(
    "/api/sessions",
    {
      schema: {
        tags,
        summary: "List sessions, most recently active first",
        querystring: ListSessionsQuery,
        response: { 200: z.object({ sessions: z.array(Session) }), 400: ErrorBody },
      },
    },
    async (req) => ({ sessions: engine.listSessions(req.query) }),
  );

  app.post(
    "/api/sessions",
    {
      schema: {
        tags,
        summary: "Create a session (and start it, when a prompt is given)",
        body: CreateSessionBody,
        response: { 201: Session, ...errors },
      },
    },
    async (req, reply) => {
      const { agent, platform, prompt } = req.body;
      const name = req.body.name ?? nameFromPrompt(prompt);
      const kind = kindOf(deps, req.body.kind);
      const directory = deps.agents.runs(kind)
        ? allowedDirectory(req.body.directory, deps.agents.allowedRoots)
        : req.body.directory;
      const session = await engine.createSession({ kind, name, directory, agent, platform });
      if (prompt !== undefined)
        await engine.sendInput(session.id, { text: prompt, sender: actorOf(req) });
      return reply.code(201).send(session);
    },
  );

  app.get(
    "/api/sessions/:id",
    {
      schema: {
        tags,
        summary: "Get a session (by id or unique id prefix)",
        params: SessionIdParams,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => engine.getSession(req.params.id),
  );

  app.patch(
    "/api/sessions/:id",
    {
      schema: {
        tags,
        summary: "Rename a session",
        params: SessionIdParams,
        body: RenameBody,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => engine.renameSession(req.params.id, req.body.name),
  );

  app.delete(
    "/api/sessions/:id",
    {
      schema: {
        tags,
        summary: "Delete a session with its events, approvals and inputs",
        params: SessionIdParams,
        response: { 204: z.undefined(), ...errors },
      },
    },
    async (req, reply) => {
      const session = engine.getSession(req.params.id);
      await deps.agents.stop(session.id);
      await engine.deleteSession(session.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/sessions/:id/start",
    {
      schema: {
        tags,
        summary: "Start (or restart after an error) the session's agent",
        params: SessionIdParams,
        body: StartBody,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => {
      const session = engine.getSession(req.params.id);
      if (!deps.agents.runs(session.kind)) {
        throw new TetherError(
          "not_supported",
          "an external session is started by its own agent, through the External Agent API",
        );
      }
      await deps.agents.start(session.id);
      const prompt = req.body?.prompt;
      if (prompt) await engine.sendInput(session.id, { text: prompt, sender: actorOf(req) });
      return session;
    },
  );

  app.post(
    "/api/sessions/:id/end",
    {
      schema: {
        tags,
        summary: "End a session: its agent stops, its pending approvals are withdrawn, it is done",
        description:
          "The history stays (DELETE removes it). Ending a session that has ended already " +
          "changes nothing and answers the session as it is.",
        params: SessionIdParams,
        body: EndBody,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => {
      const session = engine.getSession(req.params.id);
      if (session.state === "done") return session;
      const by = actorLabel(claimedActor(actorOf(req), req.body?.by));
      // Done first: from then on no message is taken, so nothing starts the agent again
      // between its stop and the end.
      await engine.setState(session.id, "done", `ended by ${by}`);
      if (deps.agents.runs(session.kind)) await deps.agents.stop(session.id);
      // An agent Tether runs withdraws its own questions as it stops; an external agent's wait
      // for nobody once the session has ended.
      for (const approval of await engine.approvals.list({
        status: "pending",
        sessionId: session.id,
      })) {
        await engine.approvals.withdraw(approval.id, "the session ended");
      }
      return session;
    },
  );

  app.post(
    "/api/sessions/:id/input",
    {
      schema: {
        tags,
        summary: "Send the agent a message; queued until the agent takes it",
        params: SessionIdParams,
        body: InputBody,
        response: { 200: InputReply, ...errors },
      },
    },
    async (req) =>
      engine.sendInput(req.params.id, {
        text: req.body.text,
        sender: claimedActor(actorOf(req), req.body.sender),
      }),
  );

  app.post(
    "/api/sessions/:id/interrupt",
    {
      schema: {
        tags,
        summary: "Ask the agent to stop its current turn",
        params: SessionIdParams,
        body: InterruptBody,
        response: { 200: Session, ...errors },
      },
    },
    async (req) => engine.interrupt(req.params.id, claimedActor(actorOf(req), req.body?.by)),
  );
}

function kindOf(deps: ServerDeps, asked: string | undefined): SessionKind {
  if (asked === undefined) return deps.agents.defaultKind;
  const kind = sessionKindNamed(asked);
  if (kind) return kind;
  throw new TetherError(
    "bad_request",
    `unknown session kind "${asked}"; known kinds: ${kindChoices()}`,
  );
}
