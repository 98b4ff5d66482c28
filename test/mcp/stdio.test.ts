// tether-mcp over stdio, driven by the MCP SDK's client against the real daemon.

import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { closedPort } from "../helpers/ports.js";
import { type Connected, connectStdio, MCP_BIN, mcpEnv } from "./mcp-client.js";
import {
  approvalAnsweredOverAppApi,
  approvalTimeoutStaysAnswerable,
  badArgumentsAreToolErrors,
  listsEveryToolWithDescribedArguments,
  orchestratorTools,
} from "./tools.js";

const TOKEN = "mcp-stdio-token-1-0123456789abcdef0123456789";
let t: TestDaemon;
const open: Connected[] = [];

beforeAll(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterAll(() => t.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(env: Record<string, string>) {
  const c = await connectStdio(env);
  open.push(c);
  return c;
}

const good = () => connect({ TETHER_API_URL: t.url, TETHER_AGENT_TOKEN: TOKEN });

describe("tether-mcp over stdio", () => {
  it("lists every tool, each argument described", async () => {
    const mcp = await good();
    await listsEveryToolWithDescribedArguments(mcp);
    expect(mcp.stderr()).toContain(`serving Tether at ${t.url}`);
  });

  it("returns the human's decision on an approval asked through MCP", async () => {
    await approvalAnsweredOverAppApi(await good(), t);
  });

  it("says a wait ran out, and the approval can still be awaited", async () => {
    await approvalTimeoutStaysAnswerable(await good(), t);
  });

  it("runs the orchestrator tools", async () => {
    await orchestratorTools(await good(), t);
  });

  it("answers bad arguments with tool errors", async () => {
    await badArgumentsAreToolErrors(await good());
  });

  it("runs from PATH as the Claude Desktop snippet names it", async () => {
    // The bin dir doubles as the user's home: a default-started daemon (no token set) keeps
    // its generated token in ~/.config/tether/token, where tether-mcp finds it unasked.
    const bin = tempDir("tether-mcp-bin-");
    const open = await startTestDaemon({
      env: { TETHER_CONFIG: "", XDG_CONFIG_HOME: join(bin.path, ".config") },
    });
    try {
      symlinkSync(MCP_BIN, join(bin.path, "tether-mcp"));
      // {"mcpServers":{"tether":{"command":"tether-mcp","env":{"TETHER_API_URL":…}}}}, with the
      // test daemon's URL; clients add a default environment (PATH, HOME) of their own.
      const transport = new StdioClientTransport({
        command: "tether-mcp",
        env: mcpEnv(bin.path, {
          TETHER_API_URL: open.url,
          PATH: `${bin.path}:${process.env.PATH ?? ""}`,
          TETHER_CONFIG: "",
        }),
        stderr: "ignore",
      });
      const client = new Client({ name: "claude-desktop-like", version: "0" });
      await client.connect(transport);
      try {
        const res = await client.callTool({ name: "list_sessions", arguments: {} });
        expect(res.isError).toBeFalsy();
      } finally {
        await client.close();
      }
    } finally {
      bin.remove();
      await open.close();
    }
  });

  it("says when the daemon is down", async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const mcp = await connect({ TETHER_API_URL: down, TETHER_AGENT_TOKEN: TOKEN });
    const res = await mcp.call("list_sessions");
    expect(res.isError).toBe(true);
    expect(res.text).toContain(`cannot reach Tether at ${down}`);
    expect(res.text).toMatch(/ECONNREFUSED.*is `tether start` running\?/);
    // Still serving after the failure.
    expect((await mcp.client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("says when the token is wrong", async () => {
    const mcp = await connect({ TETHER_API_URL: t.url, TETHER_AGENT_TOKEN: "wrong-token-123" });
    const res = await mcp.call("list_approvals");
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/401.*TETHER_AGENT_TOKEN/);
    expect(res.text).not.toContain("wrong-token-123");
  });
});
