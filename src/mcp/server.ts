// Builds Tether's MCP server: the agent and orchestrator tools over a client of the daemon's
// API. The stdio binary and the daemon's /mcp route each wrap one in their transport.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { TetherClient } from "../client/api.js";
import { VERSION } from "../version.js";
import { registerAgentTools } from "./agent-tools.js";
import { registerOrchestratorTools } from "./orchestrator-tools.js";

export function buildMcpServer(
  client: TetherClient,
  options: { canDecide?: boolean } = {},
): McpServer {
  const server = new McpServer(
    { name: "tether", version: VERSION },
    {
      instructions:
        "Tether reaches the human who supervises you. Call create_session once, send_output " +
        "to report progress, request_approval before anything risky, and wait_for_input when " +
        "you need instructions. Orchestrators can start and watch sessions and answer approvals.",
    },
  );
  registerAgentTools(server, client, { sessionId: undefined });
  registerOrchestratorTools(server, client, options.canDecide ?? true);
  return server;
}
