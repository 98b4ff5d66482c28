// One HTTP request with node:http, for what fetch cannot do: send any Host header, and come
// from a chosen loopback source address (127.0.0.0/8 is all this machine's), so that tests that
// send many wrong tokens on purpose are not throttled as one client. A streaming answer (SSE)
// ends at its headers.
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function rawRequest(
  url: string | URL,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** The source address, e.g. 127.0.5.1. */
    localAddress?: string;
  } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? "GET",
        headers: {
          ...(options.body === undefined
            ? {}
            : { "content-length": Buffer.byteLength(options.body) }),
          ...options.headers,
        },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const done = (text: string) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        if ((res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
          req.destroy();
          done("");
          return;
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => done(text));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

let next = 0;
/** A loopback source address no other caller in this process got: a client of its own. */
export function freshLoopbackSource(): string {
  next += 1;
  return `127.${100 + Math.floor(next / 250)}.${next % 250}.1`;
}
