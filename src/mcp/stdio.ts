#!/usr/bin/env node
// `tether-mcp`: Tether's MCP server over stdio, for Claude Desktop, Claude Code, Codex and any
// MCP client. stdout carries protocol messages only; anything else goes to stderr.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { TetherClient } from "../client/api.js";
import { ConfigError, loadConfig } from "../config/load.js";
import { buildMcpServer } from "./server.js";

function clientFromConfig(): TetherClient {
  let url = process.env.TETHER_API_URL;
  let token = process.env.TETHER_AGENT_TOKEN;
  try {
    const config = loadConfig();
    url = config.TETHER_API_URL;
    token = config.TETHER_AGENT_TOKEN;
  } catch (error) {
    // A bad unrelated setting must not stop the MCP server; the environment is enough.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tether-mcp: ${error.message}; using the environment only\n`);
  }
  return new TetherClient({ url: url || "http://localhost:8787", token: token || undefined });
}

const client = clientFromConfig();
const server = buildMcpServer(client);
await server.connect(new StdioServerTransport());
process.stderr.write(`tether-mcp: serving Tether at ${client.url} over stdio\n`);
