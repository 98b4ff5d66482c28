// Who is calling, as the door authenticated it. Routes record this as `decided_by`, `sender` and
// `by`; it is never taken from what the client says about itself (core/actor.ts claimedActor).
import type { FastifyRequest } from "fastify";
import type { Actor } from "../core/actor.js";

const actors = new WeakMap<FastifyRequest, Actor>();
const TOKEN_HOLDER: Actor = { kind: "api" };

/** Set once by the auth hook, from the credential the request carried. */
export function setActor(req: FastifyRequest, actor: Actor): void {
  actors.set(req, actor);
}

export function actorOf(req: FastifyRequest): Actor {
  return actors.get(req) ?? TOKEN_HOLDER;
}
