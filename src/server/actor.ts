// Who is calling, as the door authenticated it. Routes record this as `decided_by` (and the
// like); it is never taken from what the client says about itself.
import type { FastifyRequest } from "fastify";

/** `web:<device>` (the paired cookie), `api` (the bearer token), `local` (dev mode, no auth). */
export type Actor = string;

const actors = new WeakMap<FastifyRequest, Actor>();

/** Set once by the auth hook, from the credential the request carried. */
export function setActor(req: FastifyRequest, actor: Actor): void {
  actors.set(req, actor);
}

export function actorOf(req: FastifyRequest): Actor {
  return actors.get(req) ?? "api";
}
