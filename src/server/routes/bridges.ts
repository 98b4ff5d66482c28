// The chat bridges for the web app and `tether bridges`: their state and paired users, a new
// pairing code, revoking a user.
import { z } from "zod";
import { TetherError } from "../../core/errors.js";
import {
  BridgeList,
  BridgeNameParams,
  BridgeUserParams,
  ErrorBody,
  PairingCodeReply,
} from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Bridges"];

export function bridgeRoutes(app: App, { bridges, agents }: ServerDeps) {
  app.get(
    "/api/bridges",
    {
      schema: {
        tags,
        summary: "Each running chat bridge: its state, whether it pairs, its paired users",
        response: { 200: BridgeList },
      },
    },
    async () => ({ bridges: bridges.list() }),
  );

  app.post(
    "/api/bridges/:name/pairing-code",
    {
      schema: {
        tags,
        summary: "A new one-time code for `/pair <code>` on this bridge (one use, 1 hour)",
        description:
          "Whoever sends it first where the bot is may answer approvals and send input from then " +
          "on. At most 3 codes are outstanding per bridge (a 4th replaces the oldest); 5 wrong " +
          "codes within 10 minutes void them all. 400 when the bridge has an allow list instead.",
        params: BridgeNameParams,
        response: { 200: PairingCodeReply, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      // Whoever pairs may answer approvals, which an agent must never be able to arrange.
      if (await agents.isAgentConnection(req.raw.socket)) {
        throw new TetherError(
          "agent_cannot_decide",
          "this request comes from an agent Tether runs (or a process it started); agents cannot make pairing codes",
        );
      }
      return bridges.issuePairingCode(req.params.name);
    },
  );

  app.delete(
    "/api/bridges/:name/users/:user_id",
    {
      schema: {
        tags,
        summary: "Revoke a paired user: from now on their clicks and messages do nothing",
        params: BridgeUserParams,
        response: { 204: z.undefined(), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      await bridges.revokeUser(req.params.name, req.params.user_id);
      return reply.code(204).send();
    },
  );
}
