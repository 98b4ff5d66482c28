// Tether's MCP server over Streamable HTTP at the daemon's /mcp, behind the daemon's token.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { type Connected, connectHttp } from "./mcp-client.js";
import {
  approvalAnsweredOverAppApi,
  approvalTimeoutStaysAnswerable,
  badArgumentsAreToolErrors,
  listsEveryToolWithDescribedArguments,
  orchestratorTools,
} from "./tools.js";

const TOKEN = "mcp-http-token-1-0123456789abcdef0123456789";
let t: TestDaemon;
const open: Connected[] = [];

beforeAll(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterAll(() => t.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function good() {
  const c = await connectHttp(t.url, TOKEN);
  open.push(c);
  return c;
}

describe("MCP over Streamable HTTP at /mcp", () => {
  it("lists every tool", async () => {
    await listsEveryToolWithDescribedArguments(await good());
  });

  it("returns the human's decision on an approval asked through MCP", async () => {
    // Stateless: each call is its own MCP request, so the session id is passed explicitly
    // after create_session (the default works within one request only).
    await approvalAnsweredOverAppApi(await good(), t, { stateless: true });
  });

  it("says a wait ran out, and the approval can still be awaited", async () => {
    await approvalTimeoutStaysAnswerable(await good(), t, { stateless: true });
  });

  it("runs the orchestrator tools", async () => {
    await orchestratorTools(await good(), t);
  });

  it("answers bad arguments with tool errors", async () => {
    await badArgumentsAreToolErrors(await good());
  });

  it("refuses a client without the token, or with a wrong one", async () => {
    await expect(connectHttp(t.url, undefined)).rejects.toThrow(/unauthorized/);
    await expect(connectHttp(t.url, "wrong-token-xyz")).rejects.toThrow(/unauthorized/);
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("answers GET and DELETE with 405, as a stateless server does", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await t.api(method, "/mcp");
      expect(res.status, method).toBe(405);
      expect(res.body.jsonrpc).toBe("2.0");
    }
  });
});
