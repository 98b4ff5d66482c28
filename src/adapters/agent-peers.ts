// Is a TCP client of the daemon an agent Tether runs, or one of the processes it started? An
// agent runs as the same user as the daemon, so it could read the token file and answer its own
// approvals through the API. This check (Linux only) is the second line of defence: the agent's
// environment carries no token, and a resolve call from inside an agent's process tree is
// refused.
//
// How: the client's end of the connection is a socket in /proc/net/tcp{,6} (its local address
// is the server's remote address); its inode shows up as `socket:[inode]` among the fds of the
// process holding it. Only the processes under the agents' roots are searched, which are
// Tether's own children that carry AGENT_MARKER in their environment (an agent's environment is
// fixed when it starts: nothing it runs can change it), plus the pids the adapters report.
//
// Limit: a process that leaves the agent's tree (double fork, reparented to init) is not seen.
import { readdir, readFile, readlink } from "node:fs/promises";
import { AGENT_MARKER, AGENT_MARKER_VALUE } from "./agent-env.js";

/** Bounds the lookup: a resolve call waits at most this long, then is let through. */
const LOOKUP_TIMEOUT_MS = 500;
/** An agent tree larger than this is cut off (a fork bomb should not stall the daemon). */
const MAX_PROCESSES = 512;

export interface Connection {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

export interface PeerLookupOptions {
  /** The process whose children are candidate agent roots (the daemon itself). */
  parentPid?: number;
  /** Agent pids known to the adapters, roots whether or not their environment can be read. */
  knownPids?: readonly number[];
  procRoot?: string;
}

export async function isAgentPeer(
  connection: Connection,
  options: PeerLookupOptions = {},
): Promise<boolean> {
  if (process.platform !== "linux") return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(connection, options), timeout]);
  } catch {
    return false; // /proc unreadable: the token stays the only check.
  } finally {
    clearTimeout(timer);
  }
}

async function lookup(connection: Connection, options: PeerLookupOptions): Promise<boolean> {
  const { remoteAddress, remotePort, localAddress, localPort } = connection;
  if (!remoteAddress || !remotePort || !localAddress || !localPort) return false;
  const proc = options.procRoot ?? "/proc";
  const roots = await agentRoots(proc, options.parentPid ?? process.pid, options.knownPids ?? []);
  if (roots.length === 0) return false;
  const inode = await clientSocketInode(proc, {
    address: canonical(remoteAddress),
    port: remotePort,
    serverAddress: canonical(localAddress),
    serverPort: localPort,
  });
  if (inode === undefined) return false;
  const wanted = `socket:[${inode}]`;
  for (const pid of await descendants(proc, roots)) {
    if (await holdsSocket(proc, pid, wanted)) return true;
  }
  return false;
}

async function agentRoots(
  proc: string,
  parentPid: number,
  knownPids: readonly number[],
): Promise<number[]> {
  const roots = new Set(knownPids);
  for (const child of await childrenOf(proc, parentPid)) {
    if (roots.has(child)) continue;
    try {
      const environ = await readFile(`${proc}/${child}/environ`, "latin1");
      if (environ.split("\0").includes(`${AGENT_MARKER}=${AGENT_MARKER_VALUE}`)) roots.add(child);
    } catch {
      // Exited meanwhile, or unreadable: not an agent we can tell.
    }
  }
  return [...roots];
}

async function childrenOf(proc: string, pid: number): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`${proc}/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const task of tasks) {
    try {
      const text = await readFile(`${proc}/${pid}/task/${task}/children`, "utf8");
      for (const word of text.split(/\s+/)) if (word) out.push(Number(word));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

async function descendants(proc: string, roots: number[]): Promise<number[]> {
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0 && seen.size < MAX_PROCESSES) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(await childrenOf(proc, pid)));
  }
  return [...seen];
}

async function holdsSocket(proc: string, pid: number, wanted: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`${proc}/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if ((await readlink(`${proc}/${pid}/fd/${fd}`)) === wanted) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

interface ClientEnd {
  address: string;
  port: number;
  serverAddress: string;
  serverPort: number;
}

/** The inode of the socket whose local end is the client's and remote end the server's. */
async function clientSocketInode(proc: string, end: ClientEnd): Promise<string | undefined> {
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = await readFile(`${proc}/net/${table}`, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const row = parseTcpRow(line);
      if (!row) continue;
      if (
        row.localPort === end.port &&
        row.remotePort === end.serverPort &&
        row.localAddress === end.address &&
        row.remoteAddress === end.serverAddress &&
        row.inode !== "0"
      ) {
        return row.inode;
      }
    }
  }
  return undefined;
}

export interface TcpRow {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  inode: string;
}

/** One line of /proc/net/tcp or tcp6: `sl local rem st tx:rx tr:when retrnsmt uid timeout inode`. */
export function parseTcpRow(line: string): TcpRow | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10) return undefined;
  const local = fields[1]!.split(":");
  const remote = fields[2]!.split(":");
  if (local.length !== 2 || remote.length !== 2) return undefined;
  return {
    localAddress: hexAddress(local[0]!),
    localPort: Number.parseInt(local[1]!, 16),
    remoteAddress: hexAddress(remote[0]!),
    remotePort: Number.parseInt(remote[1]!, 16),
    inode: fields[9]!,
  };
}

/** The kernel prints each 32-bit word of an address in host (little-endian) byte order. */
function hexAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(chunk.slice(i, i + 2), 16));
  }
  if (bytes.length === 4) return bytes.join(".");
  return canonical(ipv6FromBytes(bytes));
}

function ipv6FromBytes(bytes: number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

/** One spelling per address: IPv4 dotted (IPv4-mapped IPv6 included), IPv6 as 8 full groups. */
export function canonical(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1]!;
  if (!lower.includes(":")) return lower;
  const [head = "", tail = ""] = lower.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const expanded = lower.includes("::")
    ? [
        ...headGroups,
        ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"),
        ...tailGroups,
      ]
    : headGroups;
  const groups = expanded.map((group) => Number.parseInt(group, 16).toString(16));
  // An IPv4-mapped address in hex groups (as the kernel prints it).
  if (groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    const a = Number.parseInt(groups[6]!, 16);
    const b = Number.parseInt(groups[7]!, 16);
    return [a >> 8, a & 255, b >> 8, b & 255].join(".");
  }
  return groups.join(":");
}
