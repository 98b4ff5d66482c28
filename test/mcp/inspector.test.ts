// A client no one here wrote: the MCP Inspector's CLI lists tether-mcp's tools and calls one.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { MCP_BIN } from "./mcp-client.js";
import { TOOL_NAMES } from "./tools.js";

const INSPECTOR = fileURLToPath(
  new URL("../../node_modules/.bin/mcp-inspector-cli", import.meta.url),
);
// inspector-cli 1.0.3 looks for its own package.json at "../package.json" relative to the working
// directory instead of to itself; run it from its build folder, where that path is right.
const INSPECTOR_CWD = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/inspector-cli/build", import.meta.url),
);

const TOKEN = "mcp-inspector-token-0123456789abcdef0123456789";
let t: TestDaemon;
const home = tempDir("tether-inspector-");
beforeAll(async () => {
  t = await startTestDaemon({ token: TOKEN });
});
afterAll(async () => {
  await t.close();
  home.remove();
});

async function inspect(args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    INSPECTOR,
    [
      "--cli",
      "-e",
      `TETHER_API_URL=${t.url}`,
      "-e",
      `TETHER_AGENT_TOKEN=${TOKEN}`,
      "-e",
      `TETHER_CONFIG=${home.path}/no-config.json`,
      process.execPath,
      MCP_BIN,
      ...args,
    ],
    { cwd: INSPECTOR_CWD, timeout: 20_000 },
  );
  // A deprecation notice comes first; the answer is the JSON after it.
  return JSON.parse(stdout.slice(stdout.indexOf("{")));
}

it("lists the tools", async () => {
  const listed = (await inspect(["--method", "tools/list"])) as { tools: { name: string }[] };
  expect(listed.tools.map((tool) => tool.name).sort()).toEqual(TOOL_NAMES);
});

it("calls a tool", async () => {
  const result = (await inspect([
    "--method",
    "tools/call",
    "--tool-name",
    "create_session",
    "--tool-arg",
    "session_name=from the inspector",
  ])) as { content: { text: string }[]; isError?: boolean };
  expect(result.isError).toBeFalsy();
  const { session_id } = JSON.parse(result.content[0]!.text);
  const session = await t.api("GET", `/api/sessions/${session_id}`);
  expect(session.body).toMatchObject({ name: "from the inspector", kind: "external" });
});
