// Connects the MCP SDK's own client to Tether's MCP server: the stdio binary as users install it
// (dist/bundle/tether-mcp.js), or the daemon's /mcp route.
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { tempDir } from "../helpers/daemon.js";

export const MCP_BIN = fileURLToPath(new URL("../../dist/bundle/tether-mcp.js", import.meta.url));

export interface Connected {
  client: Client;
  /** Calls a tool; `json` is its text parsed when it is JSON. */
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
  stderr(): string;
  close(): Promise<void>;
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON results
  json: any;
}

/** The environment of a tether-mcp that reads no user config and no .env. */
export function mcpEnv(dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    TETHER_CONFIG: `${dir}/no-config.json`,
    ...extra,
  };
}

function wrap(client: Client, stderr: () => string, close: () => Promise<void>): Connected {
  return {
    client,
    stderr,
    close,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const first = result.content[0];
      const text = first?.type === "text" ? first.text : "";
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { isError: result.isError === true, text, json };
    },
  };
}

export async function connectStdio(env: Record<string, string>): Promise<Connected> {
  const dir = tempDir("tether-mcp-");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_BIN],
    env: mcpEnv(dir.path, env),
    cwd: dir.path,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const client = new Client({ name: "tether-test", version: "0" });
  await client.connect(transport);
  return wrap(
    client,
    () => stderr,
    async () => {
      await client.close();
      dir.remove();
    },
  );
}

export async function connectHttp(url: string, token: string | undefined): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  const client = new Client({ name: "tether-test", version: "0" });
  await client.connect(transport);
  return wrap(
    client,
    () => "",
    () => client.close(),
  );
}
