// How a tool answers: JSON text for the model, and every failure as a tool error (isError) that
// says what went wrong, so an MCP client shows the model a message instead of losing the server.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ApiError } from "../client/api.js";

export function ok(value: unknown): CallToolResult {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return { content: [{ type: "text", text }] };
}

export function fail(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Runs a tool body; an API failure becomes a tool error that names its cause. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return fail(describe(error));
  }
}

function describe(error: unknown): string {
  if (!(error instanceof ApiError)) return `Tether MCP failed: ${(error as Error).message}`;
  if (error.status === 401) {
    return (
      "Tether refused the token (401 unauthorized): set TETHER_AGENT_TOKEN in this MCP " +
      "server's environment to the daemon's token"
    );
  }
  if (error.status === 0) return error.message;
  return `Tether answered ${error.status} ${error.code}: ${error.message}`;
}
