// Is a Tether answering at a URL? For `doctor` (who holds the port?) and `service status`.
// Only /api/health is asked, with a short timeout: a port held by something else must not hang.
import { sendFor } from "../client/trusted-cert.js";

export type Probe =
  | { kind: "tether"; version: string | undefined }
  /** A Tether that refused our token: alive, but configured with another one. */
  | { kind: "tether-locked" }
  | { kind: "other"; status: number }
  | { kind: "down"; reason: string };

export async function probeTether(
  url: string,
  token: string | undefined,
  timeoutMs = 2000,
  /** The daemon's certificate (TETHER_TLS_CERT's file), trusted for an https URL. */
  trustedCert?: string,
): Promise<Probe> {
  let res: Awaited<ReturnType<ReturnType<typeof sendFor>>>;
  try {
    res = await sendFor(url, trustedCert)(`${url.replace(/\/+$/, "")}/api/health`, {
      method: "GET",
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).cause as { code?: unknown } | undefined;
    const reason =
      typeof cause?.code === "string"
        ? cause.code
        : ["TimeoutError", "AbortError"].includes((error as Error).name)
          ? "no answer"
          : (error as Error).message;
    return { kind: "down", reason };
  }
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch {
    return { kind: "other", status: res.status };
  }
  const b = body as { status?: unknown; version?: unknown; error?: { code?: unknown } } | null;
  if (res.status === 200 && b?.status === "ok") {
    return { kind: "tether", version: typeof b.version === "string" ? b.version : undefined };
  }
  if (res.status === 401 && b?.error?.code === "unauthorized") return { kind: "tether-locked" };
  return { kind: "other", status: res.status };
}

/** The URL this machine reaches a daemon listening on `host`:`port` at (https when it serves
 * TETHER_TLS_CERT). */
export function localUrl(host: string, port: number, tls = false): string {
  const h = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  return `${tls ? "https" : "http"}://${h.includes(":") ? `[${h}]` : h}:${port}`;
}
