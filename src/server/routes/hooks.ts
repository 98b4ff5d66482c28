// The terminal hooks' door: `tether hook <agent>` posts what Claude Code or Codex (started by
// hand in a terminal) sends its hook, and prints the answer for the agent (src/hooks/relay.ts).
// Behind the token like every route; the body is validated and bounded.
import { ErrorBody, HookAgentParams, HookInput, HookOutput } from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Terminal hooks"];

export function hookRoutes(app: App, deps: ServerDeps) {
  app.post(
    "/api/hooks/:agent",
    {
      schema: {
        tags,
        summary: "A hook call of a Claude Code or Codex session started in a terminal",
        description:
          "The body is the hook's input as the agent sends it; the reply is the hook's output " +
          "for the agent. A PermissionRequest waits for an answer from any door (at most 590 s " +
          "for Claude, 90 s for Codex; then `{}`, and the terminal's own prompt decides). A Stop " +
          'waits (at most 540 s) for a reply to hand the agent as `{decision: "block", reason}`.',
        params: HookAgentParams,
        body: HookInput,
        response: { 200: HookOutput, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const abort = new AbortController();
      // The agent gave up on the hook (or exited; Esc in Claude Code's TUI cancels a held Stop
      // hook): nobody waits for the answer any more, and a reply taken now would be lost. The
      // response's close says so; the request's own close does not (it is about its body).
      reply.raw.once("close", () => abort.abort());
      return deps.hooks.handle(req.params.agent, req.body, abort.signal);
    },
  );
}
