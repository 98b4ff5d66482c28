#!/usr/bin/env node
// `tether-mcp`: Tether's MCP server over stdio, for Claude Desktop, Claude Code, Codex and any
// MCP client. stdout carries protocol messages only; anything else goes to stderr.
// `--help` and `--version` answer and exit before the server (and the SDK) is loaded.
import { VERSION } from "../version.js";

const USAGE = `Usage: tether-mcp [--help | --version]

Tether's MCP server over stdio: started by an MCP client (Claude Desktop, Claude Code, Codex),
it gives the agent Tether's tools (sessions, output, approvals, input) and talks to the daemon
that \`tether start\` runs. With no arguments it serves MCP on stdin/stdout.

Settings (environment, or ~/.config/tether/config.json):
  TETHER_API_URL        the daemon (default: this machine's, http://localhost:8787, on
                        TETHER_AGENT_PORT; https:// when TETHER_TLS_CERT is set)
  TETHER_TLS_CERT       the daemon's certificate file, trusted for its https URL
  TETHER_AGENT_TOKEN    the token to send; without it, the token file the local daemon wrote
  TETHER_AGENT_TOKEN_FILE  that file (default ~/.config/tether/token)

Claude Desktop (claude_desktop_config.json):
  {"mcpServers":{"tether":{"command":"tether-mcp","env":{"TETHER_API_URL":"http://localhost:8787"}}}}
Claude Code:
  claude mcp add tether -- tether-mcp
`;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  process.stdout.write(USAGE);
} else if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else if (args.length > 0) {
  process.stderr.write(
    `tether-mcp: unknown argument ${JSON.stringify(args.join(" "))}; it takes none (see tether-mcp --help)\n`,
  );
  process.exitCode = 2;
} else {
  await serve();
}

async function serve(): Promise<void> {
  const [{ StdioServerTransport }, { TetherClient }, { clientSettings }, { buildMcpServer }] =
    await Promise.all([
      import("@modelcontextprotocol/sdk/server/stdio.js"),
      import("../client/api.js"),
      import("../client/settings.js"),
      import("./server.js"),
    ]);
  const { url, token, trustedCert, configProblem } = clientSettings();
  if (configProblem) {
    process.stderr.write(`tether-mcp: ${configProblem}; using the environment only\n`);
  }
  const client = new TetherClient({ url, token, trustedCert });
  const server = buildMcpServer(client);
  await server.connect(new StdioServerTransport());
  process.stderr.write(`tether-mcp: serving Tether at ${client.url} over stdio\n`);
}
