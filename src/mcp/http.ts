// One MCP request over Streamable HTTP, in stateless mode: each POST gets a fresh server and
// transport, so the daemon keeps no MCP session state and any POST can go to any daemon.
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { TetherClient } from "../client/api.js";
import { buildMcpServer } from "./server.js";

export async function handleMcpPost(
  client: TetherClient,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  /** The Host headers and Origins that are ours, for the SDK's DNS-rebinding protection. */
  allowed: { hosts: string[]; origins: string[] },
  /** False when the caller is an agent Tether runs (see AgentRunner.isAgentConnection). */
  canDecide: boolean,
): Promise<void> {
  const server = buildMcpServer(client, { canDecide });
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    // One JSON answer per POST: waits are long polls, and no tool streams progress.
    enableJsonResponse: true,
    enableDnsRebindingProtection: true,
    allowedHosts: allowed.hosts,
    allowedOrigins: allowed.origins,
  });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
