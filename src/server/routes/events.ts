import { z } from "zod";
import { TetherError } from "../../core/errors.js";
import { REPLAY_PAGE, replayThenFollow } from "../../core/follow.js";
import {
  ErrorBody,
  EventsPage,
  EventsQuery,
  SessionIdParams,
  StreamQuery,
} from "../../shared/schemas.js";
import { actorOf } from "../actor.js";
import { INBOX_TYPES, inboxSnapshot } from "../inbox.js";
import { openSse } from "../sse.js";
import type { App, ServerDeps } from "../types.js";
import { appSocket } from "../ws/app-socket.js";

const tags = ["Events"];
const errors = { 400: ErrorBody, 404: ErrorBody };
/** A page of GET /events ends once its events' data reaches this many characters. */
const PAGE_CHARS = 4 * 1024 * 1024;

/** Resume point of a stream: `since_seq`, else the `Last-Event-ID` an EventSource sends back. */
function resumeSeq(sinceSeq: number | undefined, lastEventId: string | string[] | undefined) {
  if (sinceSeq !== undefined) return sinceSeq;
  if (typeof lastEventId !== "string" || lastEventId === "") return 0;
  const seq = Number(lastEventId);
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new TetherError(
      "bad_request",
      `Last-Event-ID must be a seq number, got "${lastEventId}"`,
    );
  }
  return seq;
}

export function eventRoutes(app: App, deps: ServerDeps) {
  const { engine, bus } = deps;

  app.get(
    "/api/sessions/:id/events",
    {
      schema: {
        tags,
        summary: "A page of a session's events after since_seq",
        description:
          "At most `limit` events, and a page ends once it holds about 4 MB (always at least " +
          "one event). Continue with since_seq=next_since_seq while has_more is true.",
        params: SessionIdParams,
        querystring: EventsQuery,
        response: { 200: EventsPage, ...errors },
      },
    },
    async (req, reply) => {
      const session = engine.getSession(req.params.id);
      const after = req.query.since_seq ?? 0;
      const page = await engine.readEvents(session.id, after, req.query.limit, PAGE_CHARS);
      const next = page.events.at(-1)?.seq ?? after;
      // The events are already JSON: splice them rather than validate and serialize them again.
      const body = `{"events":[${page.events.map((e) => e.json).join(",")}],"next_since_seq":${next},"has_more":${page.hasMore}}`;
      reply.header("content-type", "application/json; charset=utf-8");
      return reply.serializer((payload: unknown) => payload as string).send(body as never);
    },
  );

  app.get(
    "/api/sessions/:id/stream",
    {
      schema: {
        tags,
        summary:
          "Server-sent events of a session: replay after since_seq / Last-Event-ID, then live",
        params: SessionIdParams,
        querystring: StreamQuery,
        response: { 200: z.string().describe("text/event-stream"), ...errors },
      },
    },
    async (req, reply) => {
      const session = engine.getSession(req.params.id);
      const after = resumeSeq(req.query.since_seq, req.headers["last-event-id"]);
      reply.hijack();
      let unsubscribe = () => {};
      const sse = openSse(reply.raw, () => unsubscribe());
      unsubscribe = await replayThenFollow(
        bus,
        {
          sessionId: session.id,
          afterSeq: after,
          readPage: async (a) =>
            (
              await engine.readEvents(session.id, a, REPLAY_PAGE.limit, REPLAY_PAGE.maxChars)
            ).events.map((e) => ({ seq: e.seq, text: e.json })),
          toFrame: (e) => ({ seq: e.seq, text: e.json }),
        },
        sse,
      );
      if (sse.closed) unsubscribe();
    },
  );

  app.get(
    "/api/stream",
    {
      schema: {
        tags,
        summary:
          "Server-sent events of the inbox: a snapshot, then state changes and approvals of all sessions",
        querystring: StreamQuery.omit({ since_seq: true }),
        response: { 200: z.string().describe("text/event-stream") },
      },
    },
    async (_req, reply) => {
      reply.hijack();
      let unsubscribe = () => {};
      const sse = openSse(reply.raw, () => unsubscribe());
      unsubscribe = bus.subscribe({
        name: "inbox-sse",
        types: INBOX_TYPES,
        deliver: (e) => sse.sendLive({ seq: e.seq, text: e.json }),
        cutOff: () => sse.cutOff(0),
      });
      sse.send("snapshot", await inboxSnapshot(engine));
    },
  );

  app.get(
    "/api/sessions/:id/ws",
    {
      websocket: true,
      schema: {
        tags,
        summary:
          "WebSocket of a session: replay after since_seq, then live; accepts resolve and input",
        params: SessionIdParams,
        querystring: StreamQuery,
      },
    },
    (socket, req) =>
      appSocket(
        deps,
        socket,
        req.raw.socket,
        { sessionId: req.params.id, sinceSeq: req.query.since_seq ?? 0 },
        actorOf(req),
      ),
  );

  app.get(
    "/api/ws",
    {
      websocket: true,
      schema: {
        tags,
        summary:
          "WebSocket of the inbox: snapshot, then state changes and approvals; accepts resolve and input",
        querystring: StreamQuery.omit({ since_seq: true }),
      },
    },
    (socket, req) => appSocket(deps, socket, req.raw.socket, {}, actorOf(req)),
  );
}
