// The door behind an ntfy notification's "Approve" button: POST /api/answer/<capability>. The
// ntfy app (or ntfy's web app, from its own origin) sends it with no token and no cookie; the
// capability in the URL is the whole credential (src/notify/answer-links.ts), so the auth hook
// and the cross-site check let it through (app.ts), while the Host check still applies. It
// answers exactly one option of one approval, recorded as decided by `ntfy`; a second use gets
// the 409 saying who answered first.
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { agentCannotDecide, TetherError } from "../../core/errors.js";
import { ErrorBody } from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

export const ANSWER_LINK_ROUTE = "/api/answer/:capability";

const AnswerLinkParams = z.object({
  capability: z
    .string()
    .max(200)
    .describe("The answer link's capability, as the notification has it"),
});
const AnswerLinkReply = z.object({
  approval_id: z.string(),
  session_id: z.string(),
  option: z.string().describe("The option chosen"),
  decided_by: z.literal("ntfy"),
});

/** The body of a button's request is never read: ntfy sends none, or text/plain. */
const MAX_IGNORED_BODY = 1024;

export function answerLinkRoutes(app: App, { engine, agents, answerLinks }: ServerDeps) {
  app.register(async (plugin) => {
    const scoped = plugin.withTypeProvider<ZodTypeProvider>();
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser("*", { bodyLimit: MAX_IGNORED_BODY }, (_req, _body, done) =>
      done(null, undefined),
    );
    // ntfy's web app makes the request from its service worker, on its own origin: it may read
    // the answer (nothing in it is secret from whoever holds the link).
    scoped.addHook("onSend", async (_req, reply) => {
      reply.header("access-control-allow-origin", "*");
    });
    scoped.post(
      ANSWER_LINK_ROUTE,
      {
        schema: {
          tags: ["Approvals"],
          summary: "Answer an approval from an ntfy notification's button (its answer link)",
          description:
            "The URL is the credential: no token is needed or used. Each link answers one " +
            "option of one approval until TETHER_ANSWER_LINK_TTL_S after it was sent: 403 when " +
            "the link is not this daemon's (or was changed), 410 once expired, 409 naming who " +
            "answered when the approval already was. Recorded as decided_by `ntfy`.",
          security: [],
          params: AnswerLinkParams,
          response: {
            200: AnswerLinkReply,
            400: ErrorBody,
            403: ErrorBody,
            404: ErrorBody,
            409: ErrorBody,
            410: ErrorBody,
          },
        },
      },
      async (req) => {
        if (await agents.isAgentConnection(req.raw.socket)) throw agentCannotDecide();
        const { approvalId, optionIndex } = answerLinks.open(req.params.capability);
        const approval = await engine.approvals.get(approvalId);
        const option = approval.options[optionIndex];
        if (option === undefined) {
          throw new TetherError("answer_link_invalid", "this answer link names no option");
        }
        try {
          await engine.approvals.resolve(approvalId, { option, actor: { kind: "ntfy" } });
        } catch (error) {
          throw alreadyAnswered(error);
        }
        return {
          approval_id: approval.id,
          session_id: approval.session_id,
          option,
          decided_by: "ntfy" as const,
        };
      },
    );
  });
}

/** The engine's conflict, said the way a person tapping a button reads it. */
function alreadyAnswered(error: unknown): unknown {
  if (!(error instanceof TetherError) || error.code !== "approval_already_resolved") return error;
  const details = error.details as { status?: string; decision?: string; decided_by?: string };
  const message =
    details.status === "cancelled"
      ? "no longer needed: the agent stopped waiting for an answer"
      : `already answered by ${details.decided_by} (${details.decision})`;
  return new TetherError("approval_already_resolved", message, { details: error.details });
}
