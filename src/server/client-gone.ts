// A signal that aborts when the client gives up on a long request (a long poll, a parked hook):
// whatever waits for it can stop and withdraw what it asked. The response's close tells; the
// request's own close only means its body was read, and for a request with a body has fired
// before the handler runs.
import type { FastifyReply, FastifyRequest } from "fastify";

export function clientGone(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  const gone = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.once("close", gone);
  if (req.raw.socket.destroyed) gone();
  return abort.signal;
}
