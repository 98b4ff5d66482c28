#!/usr/bin/env node
// `tether-mcp`: Tether's MCP server over stdio, for Claude Desktop, Claude Code, Codex and any
// MCP client. stdout carries protocol messages only; anything else goes to stderr.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { TetherClient } from "../client/api.js";
import { clientSettings } from "../client/settings.js";
import { buildMcpServer } from "./server.js";

function clientFromConfig(): TetherClient {
  const { url, token, configProblem } = clientSettings();
  if (configProblem) {
    process.stderr.write(`tether-mcp: ${configProblem}; using the environment only\n`);
  }
  return new TetherClient({ url, token });
}

const client = clientFromConfig();
const server = buildMcpServer(client);
await server.connect(new StdioServerTransport());
process.stderr.write(`tether-mcp: serving Tether at ${client.url} over stdio\n`);
