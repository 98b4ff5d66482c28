// The App WebSocket, for viewers: events out (one session's with replay, or the inbox feed),
// and resolve / input commands in, each answered with a `result` or `error` carrying its id.
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { type Actor, claimedActor } from "../../core/actor.js";
import { agentCannotDecide } from "../../core/errors.js";
import { REPLAY_PAGE, replayThenFollow } from "../../core/follow.js";
import { ViewerSocketMessage } from "../../shared/schemas.js";
import { INBOX_TYPES, inboxSnapshot } from "../inbox.js";
import type { AgentConnection, ServerDeps } from "../types.js";
import {
  burstSender,
  CLOSE,
  inOrder,
  parseFrame,
  type Send,
  sendError,
  socketSink,
} from "./socket-io.js";

const eventFrame = (json: string) => `{"type":"event","data":${json}}`;

export async function appSocket(
  deps: ServerDeps,
  socket: WebSocket,
  transport: Duplex & AgentConnection,
  follow: { sessionId?: string; sinceSeq?: number },
  /** Who opened the socket, as the door authenticated it (actorOf the upgrade request). */
  actor: Actor,
) {
  const { engine, bus } = deps;
  const send = burstSender(socket, transport);

  // Replies go out in the order the messages came in (see inOrder).
  inOrder(socket, send, async (raw) => {
    const out: string[] = [];
    const collect: Send = (text) => out.push(text);
    const msg = parseFrame(collect, raw, ViewerSocketMessage);
    if (!msg) return out;
    try {
      let data: unknown;
      if (msg.type === "resolve") {
        // An agent must not answer its own (or any) approval, token or not.
        if (await deps.agents.isAgentConnection(transport)) throw agentCannotDecide();
        const { approval_id, decided_by, option, message } = msg.data;
        data = await engine.approvals.resolve(approval_id, {
          option,
          message,
          actor: claimedActor(actor, decided_by),
        });
      } else {
        const { session_id, text, sender } = msg.data;
        data = await engine.sendInput(session_id, { text, sender: claimedActor(actor, sender) });
      }
      collect(JSON.stringify({ type: "result", ...(msg.id ? { id: msg.id } : {}), data }));
    } catch (error) {
      sendError(collect, error, msg.id);
    }
    return out;
  });

  let unsubscribe: () => void;
  if (follow.sessionId === undefined) {
    const sink = socketSink(socket, send);
    unsubscribe = bus.subscribe({
      name: "inbox-ws",
      types: INBOX_TYPES,
      deliver: (e) => sink.sendLive({ seq: e.seq, text: eventFrame(e.json) }),
      cutOff: () => sink.cutOff(0),
    });
    socket.send(JSON.stringify({ type: "snapshot", data: await inboxSnapshot(engine) }));
  } else {
    let sessionId: string;
    try {
      sessionId = engine.getSession(follow.sessionId).id;
    } catch (error) {
      sendError(send, error);
      socket.close(CLOSE.notFound, "unknown session");
      return;
    }
    unsubscribe = await replayThenFollow(
      bus,
      {
        sessionId,
        afterSeq: follow.sinceSeq ?? 0,
        readPage: async (after) =>
          (
            await engine.readEvents(sessionId, after, REPLAY_PAGE.limit, REPLAY_PAGE.maxChars)
          ).events.map((e) => ({ seq: e.seq, text: eventFrame(e.json) })),
        toFrame: (e) => ({ seq: e.seq, text: eventFrame(e.json) }),
      },
      socketSink(socket, send),
    );
  }
  if (socket.readyState !== socket.OPEN) unsubscribe();
  else socket.on("close", unsubscribe);
}
