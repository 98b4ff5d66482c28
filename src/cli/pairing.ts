// The pairing link `tether start` shows: the web app's address with the token in the URL's
// fragment, which browsers never send to the server, so the token stays out of request logs.
import { networkInterfaces } from "node:os";

/** The address a phone on the same network can reach: a LAN IPv4 address when the daemon listens
 * on every interface, else the address it listens on. */
export function reachableHost(host: string): string {
  if (host !== "0.0.0.0" && host !== "::") return host;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "localhost";
}

export function pairingUrl(host: string, port: number, token: string, https = false): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${https ? "https" : "http"}://${h}:${port}/#/pair?token=${encodeURIComponent(token)}`;
}

export interface PairingPlace {
  /** TETHER_PUBLIC_URL: the address the phone uses (a tunnel, a proxy, the certificate's name). */
  publicUrl: string | undefined;
  /** Where the daemon listens. */
  host: string;
  port: number;
  /** It serves HTTPS itself (TETHER_TLS_CERT). */
  https: boolean;
}

/** The link `tether start` and `tether pair` show: on TETHER_PUBLIC_URL when it is set, else on
 * the address a phone on this network reaches. */
export function pairingLink(place: PairingPlace, token: string): string {
  return place.publicUrl
    ? pairingUrlAt(place.publicUrl, token)
    : pairingUrl(reachableHost(place.host), place.port, token, place.https);
}

/** Writes the link, and its QR code when a person is watching the terminal. Only to the terminal
 * (stderr, written directly): never through the logger, which may be redirected to a file. */
export async function printPairing(
  url: string,
  out: { write(text: string): unknown; isTTY?: boolean },
): Promise<void> {
  out.write(`Open on your phone: ${url}\n`);
  if (!out.isTTY) return;
  const { default: qrcode } = await import("qrcode-terminal");
  await new Promise<void>((resolve) =>
    qrcode.generate(url, { small: true }, (code) => {
      out.write(`${code}\n`);
      resolve();
    }),
  );
}

/** The pairing link on a base URL such as TETHER_PUBLIC_URL. */
export function pairingUrlAt(base: string, token: string): string {
  return `${base.replace(/\/+$/, "")}/#/pair?token=${encodeURIComponent(token)}`;
}
