// Which names and origins are this Tether's own. A web page can point any DNS name at 127.0.0.1
// (DNS rebinding), so the Host header must be one we chose to answer to; and a page on another
// origin can make the browser send requests here, so Origin must be one of ours.
import type { IncomingMessage } from "node:http";

export interface SiteOptions {
  /** The address the daemon listens on (TETHER_AGENT_HOST after the loopback fallback). */
  bindHost: string;
  /** TETHER_PUBLIC_URL: its host is served and its origin is ours (a reverse proxy). */
  publicUrl?: string | undefined;
  /** TETHER_ALLOWED_HOSTS: more names to answer to (a LAN name, a proxy's name). */
  allowedHosts?: readonly string[];
}

export interface Site {
  /** Whether a Host header names us; `req` gives the address the connection arrived on. */
  hostAllowed(host: string, req: IncomingMessage): boolean;
  /** Whether an Origin header is one of ours: a name we answer to, at the port the daemon
   * listens on or exactly as the request's Host names it; or the public URL's origin. */
  originAllowed(origin: string, req: IncomingMessage): boolean;
  /** Host headers and origins for the MCP SDK's own rebinding check, which wants exact lists. */
  mcpLists(req: IncomingMessage): { hosts: string[]; origins: string[] };
}

const WILDCARD = new Set(["0.0.0.0", "::", "[::]", ""]);
const LOOPBACK_V4 = /^127(\.\d{1,3}){3}$/;

/** A host name as we compare it: lower case, no trailing dot, IPv6 in brackets, no zone. */
export function normalizeName(name: string): string {
  let n = name.trim().toLowerCase().replace(/\.$/, "");
  if (n.startsWith("::ffff:") && /^::ffff:\d+(\.\d+){3}$/.test(n)) n = n.slice(7);
  if (n.includes(":") && !n.startsWith("[")) n = `[${n.replace(/%.*$/, "")}]`;
  return n;
}

/** Splits a Host header (`name`, `name:port`, `[v6]:port`) into a normalized name and port;
 * undefined when it is not of that shape. */
export function parseHost(host: string): { name: string; port: string | undefined } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m?.[1]) return undefined;
  return { name: normalizeName(m[1]), port: m[2] };
}

function isLoopbackName(name: string): boolean {
  return name === "localhost" || name === "[::1]" || LOOPBACK_V4.test(name);
}

const defaultPort = (url: URL) => (url.protocol === "https:" ? "443" : "80");
const portOf = (url: URL) => url.port || defaultPort(url);
const localPortOf = (req: IncomingMessage) => String(req.socket.localPort ?? "");
const localNameOf = (req: IncomingMessage) => normalizeName(req.socket.localAddress ?? "");

export function makeSite(options: SiteOptions): Site {
  const bind = normalizeName(options.bindHost);
  const publicUrl = options.publicUrl ? new URL(options.publicUrl) : undefined;
  const names = new Set<string>(["localhost", "127.0.0.1", "[::1]"]);
  if (!WILDCARD.has(bind)) names.add(bind);
  if (publicUrl) names.add(normalizeName(publicUrl.hostname));
  for (const h of options.allowedHosts ?? []) names.add(normalizeName(h));

  const nameAllowed = (name: string, req: IncomingMessage) =>
    names.has(name) ||
    isLoopbackName(name) ||
    // Bound to every interface, each local address is ours: the one this connection arrived on
    // is a literal address of this machine (a rebinding page's Host is its own DNS name).
    (WILDCARD.has(bind) && name === localNameOf(req));

  return {
    hostAllowed(host, req) {
      const parsed = parseHost(host);
      return parsed !== undefined && nameAllowed(parsed.name, req);
    },

    originAllowed(origin, req) {
      if (publicUrl && origin === publicUrl.origin) return true;
      if (!URL.canParse(origin)) return false;
      const url = new URL(origin);
      if (url.protocol !== "http:" && url.protocol !== "https:") return false;
      if (url.username || url.password || origin !== url.origin) return false;
      const name = normalizeName(url.hostname);
      if (!nameAllowed(name, req)) return false;
      // Same origin as the request itself (the browser's Host, e.g. through a reverse proxy), or
      // one of our names at the port the daemon listens on.
      const host = parseHost(req.headers.host ?? "");
      const sameAsHost = host?.name === name && (host.port ?? defaultPort(url)) === portOf(url);
      return sameAsHost || portOf(url) === localPortOf(req);
    },

    mcpLists(req) {
      const port = localPortOf(req);
      const all = new Set(names);
      all.add(localNameOf(req));
      const hosts: string[] = [];
      const origins: string[] = [];
      for (const n of all) {
        hosts.push(`${n}:${port}`);
        origins.push(`http://${n}:${port}`, `https://${n}:${port}`);
      }
      if (publicUrl) {
        hosts.push(publicUrl.host);
        origins.push(publicUrl.origin);
      }
      return { hosts, origins };
    },
  };
}
