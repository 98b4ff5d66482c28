// Finding the process at the other end of a loopback connection: a real child process connects
// to a real server, and isAgentPeer says whether that process is inside an agent's tree.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { canonical, isAgentPeer, parseTcpRow } from "../../dist/adapters/agent-peers.js";
import { waitFor } from "../helpers/wait.js";

let server: Server | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  child = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server, and a child `node` (itself with a grandchild `sleep`) that connects to it. */
async function connectFromChild(host: string): Promise<{ socket: Socket; pid: number }> {
  const accepted: Socket[] = [];
  server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  child = spawn(
    process.execPath,
    ["-e", `require("net").connect(${port}, ${JSON.stringify(host)}); setInterval(() => {}, 1000)`],
    { stdio: "ignore" },
  );
  const socket = await waitFor(() => accepted[0], { timeoutMs: 5000, what: "the connection" });
  return { socket, pid: child.pid! };
}

describe.runIf(process.platform === "linux")("isAgentPeer", () => {
  it("is true for a connection from an agent's process, false otherwise", async () => {
    const { socket, pid } = await connectFromChild("127.0.0.1");
    expect(await isAgentPeer(socket, { knownPids: [pid] })).toBe(true);
    // Our own child, but neither a known agent pid nor marked as one.
    expect(await isAgentPeer(socket, { knownPids: [] })).toBe(false);
    expect(await isAgentPeer(socket, { knownPids: [process.pid + 1_000_000] })).toBe(false);
  });

  it("finds the process under a root that is its ancestor", async () => {
    const { socket, pid } = await connectFromChild("127.0.0.1");
    // Roots are searched with their descendants: our own process is the child's parent.
    expect(await isAgentPeer(socket, { knownPids: [process.pid] })).toBe(true);
    expect(pid).not.toBe(process.pid);
  });

  it("works for IPv6 loopback", async () => {
    const { socket, pid } = await connectFromChild("::1");
    expect(await isAgentPeer(socket, { knownPids: [pid] })).toBe(true);
  });
});

describe("reading /proc/net/tcp", () => {
  it("decodes a row's addresses, ports and inode", () => {
    const row = parseTcpRow(
      "   3: 0100007F:A4B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 20 4 30 10 -1",
    );
    expect(row).toEqual({
      localAddress: "127.0.0.1",
      localPort: 0xa4b2,
      remoteAddress: "127.0.0.1",
      remotePort: 8080,
      inode: "123456",
    });
    const v6 = parseTcpRow(
      "   0: 0000000000000000FFFF00000100007F:D431 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 99 1",
    );
    expect(v6?.localAddress).toBe("127.0.0.1");
    expect(v6?.remoteAddress).toBe(canonical("::1"));
  });

  it("spells each address one way", () => {
    expect(canonical("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(canonical("::1")).toBe("0:0:0:0:0:0:0:1");
    expect(canonical("FE80::0001")).toBe("fe80:0:0:0:0:0:0:1");
  });
});
