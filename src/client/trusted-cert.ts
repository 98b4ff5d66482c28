// How the CLI, tether-mcp and the daemon's own /mcp tools reach a daemon that serves HTTPS with
// its own certificate (TETHER_TLS_CERT). That certificate is often self-signed, or issued for a
// name such as my-laptop.tailnet.ts.net while the client dials localhost, so neither the system's
// roots nor the name check would accept it. The clients on this machine read the same file and
// trust exactly that certificate: its chain is checked against it (and the system's roots), and
// the name check is skipped only when the server presents that very certificate. Every other
// server is checked as usual; nothing is trusted blindly.
import { X509Certificate } from "node:crypto";
import { Agent, request } from "node:https";
import {
  checkServerIdentity,
  createSecureContext,
  type PeerCertificate,
  rootCertificates,
  type SecureContext,
} from "node:tls";

/** The TLS options that trust `certPem` (the daemon's certificate file) as described above;
 * for https.request and for `ws`. The context (the system's roots and the file's certificates)
 * is built once, not at every connection. */
export interface TrustOptions {
  secureContext: SecureContext;
  checkServerIdentity(host: string, cert: PeerCertificate): Error | undefined;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function trustOptions(certPem: string): TrustOptions {
  const blocks = certPem.match(CERT_BLOCK) ?? [];
  const pinned = fingerprintOf(blocks[0]);
  return {
    secureContext: createSecureContext({ ca: [...rootCertificates, ...blocks] }),
    checkServerIdentity: (host, cert) =>
      pinned !== undefined && cert.fingerprint256 === pinned
        ? undefined
        : checkServerIdentity(host, cert),
  };
}

function fingerprintOf(pem: string | undefined): string | undefined {
  try {
    return pem === undefined ? undefined : new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined; // A damaged file pins nothing; the usual checks still apply.
  }
}

/** The part of a fetch Response the clients read. */
export interface Reply {
  status: number;
  text(): Promise<string>;
}

export interface RequestShape {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** How a client sends one request: fetch, or https.request trusting the daemon's certificate. */
export type Send = (url: string, init: RequestShape) => Promise<Reply>;

export const sendWithFetch: Send = (url, init) => fetch(url, init);

/** A Send for `url`: trusting `certPem` when it is given and the URL is https, else fetch. */
export function sendFor(url: string, certPem: string | undefined): Send {
  if (certPem === undefined || !url.startsWith("https:")) return sendWithFetch;
  const trust = trustOptions(certPem);
  // Its own pool: a kept-alive connection made under this trust serves only requests made under it.
  const agent = new Agent({ keepAlive: true });
  return (to, init) =>
    new Promise<Reply>((resolve, reject) => {
      const req = request(
        to,
        {
          method: init.method,
          headers: init.headers,
          agent,
          ...trust,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, text: async () => body });
          });
        },
      );
      // As fetch does: a TypeError whose cause carries the system's code (ECONNREFUSED,
      // DEPTH_ZERO_SELF_SIGNED_CERT…), which the clients' messages show.
      req.on("error", (error) =>
        reject(init.signal?.aborted ? error : new TypeError("fetch failed", { cause: error })),
      );
      req.end(init.body);
    });
}
