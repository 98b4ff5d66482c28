// Is a Tether answering at a URL? For `doctor` (who holds the port?) and `service status`.
// Only /api/health is asked, with a short timeout: a port held by something else must not hang.

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
): Promise<Probe> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, "")}/api/health`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).cause as { code?: unknown } | undefined;
    const reason =
      typeof cause?.code === "string"
        ? cause.code
        : (error as Error).name === "TimeoutError"
          ? "no answer"
          : (error as Error).message;
    return { kind: "down", reason };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { kind: "other", status: res.status };
  }
  const b = body as { status?: unknown; version?: unknown; error?: { code?: unknown } } | null;
  if (res.ok && b?.status === "ok") {
    return { kind: "tether", version: typeof b.version === "string" ? b.version : undefined };
  }
  if (res.status === 401 && b?.error?.code === "unauthorized") return { kind: "tether-locked" };
  return { kind: "other", status: res.status };
}

/** The URL this machine reaches a daemon listening on `host`:`port` at. */
export function localUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}
