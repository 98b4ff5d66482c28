// MCP over Streamable HTTP at /mcp, behind the same door (Host, Origin, token) as every route, so a remote MCP client
// needs no local binary. The tools call the daemon's own API over loopback with the daemon's
// token: one implementation of each tool for stdio and HTTP, with the API's validation and errors.
import { z } from "zod";
import { TetherClient } from "../../client/api.js";
import { ErrorBody } from "../../shared/schemas.js";
import type { Site } from "../guard/site.js";
import type { AgentRunner, App } from "../types.js";

const tags = ["MCP"];
const description =
  "Model Context Protocol, Streamable HTTP transport (stateless): POST JSON-RPC messages; " +
  "GET and DELETE answer 405, as there are no MCP sessions to stream to or end.";

export function mcpRoutes(
  app: App,
  token: string | undefined,
  site: Site,
  agents: AgentRunner,
  /** The certificate the daemon serves (TETHER_TLS_CERT), for calling back over HTTPS. */
  ownCert?: string,
) {
  app.post(
    "/mcp",
    {
      schema: {
        tags,
        summary: "MCP JSON-RPC request",
        description,
        body: z.unknown(),
        response: { 401: ErrorBody },
      },
    },
    async (req, reply) => {
      const { localAddress, localPort } = req.raw.socket;
      const host = localAddress?.includes(":") ? `[${localAddress}]` : localAddress;
      const scheme = ownCert === undefined ? "http" : "https";
      const url = `${scheme}://${host}:${localPort}`;
      const client = new TetherClient({ url, token, trustedCert: ownCert });
      // The tools call back over loopback as the daemon itself, so the resolve route cannot see
      // that an agent asked: an agent's own /mcp gets no resolve_approval tool at all.
      const canDecide = !(await agents.isAgentConnection(req.raw.socket));
      // The MCP SDK is loaded on the first MCP request, so `tether start` does not parse it.
      const { handleMcpPost } = await import("../../mcp/http.js");
      reply.hijack();
      // The SDK's own DNS-rebinding check as well as ours (guard/), with the same names.
      await handleMcpPost(client, req.raw, reply.raw, req.body, site.mcpLists(req.raw), canDecide);
    },
  );

  for (const method of ["GET", "DELETE"] as const) {
    app.route({
      method,
      url: "/mcp",
      schema: { tags, summary: `MCP ${method} (not used in stateless mode: 405)`, description },
      handler: async (_req, reply) =>
        reply
          .code(405)
          .header("allow", "POST")
          .send({
            jsonrpc: "2.0",
            error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless" },
            id: null,
          }),
    });
  }
}
