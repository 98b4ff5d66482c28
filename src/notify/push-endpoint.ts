// Which push endpoints Tether sends to: https:// URLs of public hosts. A subscription is just a
// URL the daemon will POST to, so without this rule anyone who can subscribe can make the daemon
// send requests into the user's own network (routers, other local daemons, cloud metadata at
// 169.254.169.254) and, from /api/push/test's counts, learn which ports answer. Browsers' push
// services (FCM, Mozilla, Apple, WNS) are all public HTTPS, so nothing real is refused.
//
// TETHER_PUSH_ALLOW_PRIVATE=1 lifts the address rules, for tests (a fake push service on
// 127.0.0.1) and self-hosted push relays only.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network", the unspecified address
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, "ipv6");
}

const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".lan", ".home.arpa"];
const HINT =
  "push endpoints must be public push services (TETHER_PUSH_ALLOW_PRIVATE=1 is for tests and self-hosted push relays only)";

/** True when `address` (an IP literal) is loopback, private, link-local, unspecified or
 * otherwise not a public unicast address. IPv4-mapped IPv6 is judged as IPv4. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NOT_PUBLIC.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 0) return false;
  return NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Why Tether will not send to `endpoint`, or undefined when it will. Names the rule. */
export function endpointProblem(endpoint: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint: must be the URL of the push service from PushSubscription.endpoint";
  }
  // The schema lets plain http through to loopback; only the test setting keeps that.
  if (allowPrivate) return undefined;
  if (url.protocol !== "https:") return `endpoint: must be an https:// URL; ${HINT}`;
  // URL has already turned 0x7f.1, 2130706433 and friends into dotted IPv4.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (isIP(host) !== 0) {
    return isPrivateAddress(host)
      ? `endpoint: ${host} is a loopback, private, link-local or unspecified address; ${HINT}`
      : undefined;
  }
  const name = host.replace(/\.$/, "");
  if (name === "localhost" || PRIVATE_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
    return `endpoint: ${name} is a local host name; ${HINT}`;
  }
  if (!name.includes(".")) return `endpoint: ${name} is not a public host name; ${HINT}`;
  return undefined;
}

/** At send time: does the endpoint's host name resolve to a private address? A public name can
 * point anywhere, and can change after it was accepted. (fetch resolves the name again, so a
 * name that flips between the two lookups is not caught; the window is one lookup wide.) */
export async function resolvesPrivately(endpoint: string): Promise<boolean> {
  const host = new URL(endpoint).hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) !== 0) return isPrivateAddress(host);
  try {
    const answers = await lookup(host, { all: true, verbatim: true });
    return answers.some((answer) => isPrivateAddress(answer.address));
  } catch {
    return false; // Does not resolve: fetch fails on its own, as a network error.
  }
}
