import { ApiError, apiErrorOf } from "../../../src/shared/api-error.js";
import { auth } from "./auth-state.js";

export { ApiError };

/** Calls the daemon's API; the browser adds the pairing cookie (same origin). A 401 sends the
 * app back to the token screen. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (res.status === 401) auth.needsToken = true;
  if (!res.ok) throw apiErrorOf(res.status, parsed);
  return parsed as T;
}
