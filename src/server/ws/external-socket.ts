// The External WebSocket: an agent streams output, approval requests and status; Tether sends
// human_input, approval_response and interrupt, each with the seq to acknowledge.
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { AGENT_MESSAGE_EVENTS, agentMessageOf, toAgentMessage } from "../../core/agent-messages.js";
import { replayThenFollow } from "../../core/follow.js";
import { AgentSocketMessage } from "../../shared/schemas.js";
import type { ServerDeps } from "../types.js";
import {
  burstSender,
  CLOSE,
  inOrder,
  parseFrame,
  type Send,
  sendError,
  socketSink,
} from "./socket-io.js";

const PAGE = 500;

export async function externalSocket(
  deps: ServerDeps,
  socket: WebSocket,
  transport: Duplex,
  fullSessionId: string,
  sinceSeq: number | undefined,
) {
  const { engine, bus } = deps;
  const send = burstSender(socket, transport);
  let sessionId: string;
  try {
    // Full ids only on the External API, as on its REST routes.
    sessionId = engine.getSessionById(fullSessionId).id;
  } catch (error) {
    sendError(send, error);
    socket.close(CLOSE.notFound, "unknown session");
    return;
  }

  // Each message is staged as it arrives (so a burst still shares one commit), and its reply
  // (ack or error) is sent after the replies to every earlier message: replies come back in the
  // order the messages came in, each describing its own message.
  const handle = async (raw: Buffer): Promise<string[]> => {
    const out: string[] = [];
    const collect: Send = (text) => out.push(text);
    const msg = parseFrame(collect, raw, AgentSocketMessage);
    if (!msg) return out;
    const id = msg.id;
    try {
      switch (msg.type) {
        case "output": {
          const event = await engine.appendOutput(sessionId, msg.data);
          ack(collect, "output", id, { seq: event.seq });
          break;
        }
        case "approval_request": {
          const approval = await engine.approvals.ask(sessionId, msg.data);
          ack(collect, "approval_request", id, { seq: approval.seq, request_id: approval.id });
          break;
        }
        case "status": {
          const after = await engine.reportStatus(sessionId, msg.data.status, msg.data.message);
          ack(collect, "status", id, after);
          break;
        }
        case "ack":
          await engine.acknowledge(sessionId, msg.data.seq);
          break;
      }
    } catch (error) {
      sendError(collect, error, id);
    }
    return out;
  };
  inOrder(socket, send, handle);

  if (sinceSeq !== undefined) await engine.acknowledge(sessionId, sinceSeq);
  const unsubscribe = await replayThenFollow(
    bus,
    {
      sessionId,
      afterSeq: Math.max(sinceSeq ?? 0, engine.getSession(sessionId).agent_cursor),
      types: AGENT_MESSAGE_EVENTS,
      readPage: async (after) => {
        const rows = await engine.readQueue(sessionId, after, PAGE);
        return rows.map((r) => ({ seq: r.seq, text: JSON.stringify(toAgentMessage(r)) }));
      },
      toFrame: (e) => {
        const message = agentMessageOf(e);
        return message && { seq: e.seq, text: JSON.stringify(message) };
      },
    },
    socketSink(socket, send),
  );
  if (socket.readyState !== socket.OPEN) unsubscribe();
  else socket.on("close", unsubscribe);
}

function ack(send: Send, to: string, id: string | undefined, data: Record<string, unknown>) {
  send(JSON.stringify({ type: "ack", ...(id ? { id } : {}), data: { for: to, ...data } }));
}
