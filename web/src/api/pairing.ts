// Pairing: the token is traded once for the server's HttpOnly cookie (POST /api/pair), which
// the browser then sends by itself on every same-origin fetch, EventSource and service-worker
// request. The token is never stored here, and scripts cannot read the cookie.
import { api } from "./http.js";

/** Trades the token for this browser's cookie; throws ApiError (401, 429) when refused. */
export async function pair(token: string): Promise<void> {
  await api("POST", "/api/pair", { token, device: deviceName(navigator.userAgent) });
}

/** A name a person recognises in "Answered by web:iphone-3f2a": the kind of device, and a few
 * random characters to tell two of them apart. */
export function deviceName(userAgent: string): string {
  const kinds: [RegExp, string][] = [
    [/iPhone/, "iphone"],
    [/iPad/, "ipad"],
    [/Android/, "android"],
    [/Macintosh|Mac OS X/, "mac"],
    [/Windows/, "windows"],
    [/CrOS/, "chromebook"],
    [/Linux/, "linux"],
  ];
  const kind = kinds.find(([pattern]) => pattern.test(userAgent))?.[1] ?? "browser";
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  return `${kind}-${suffix}`;
}

/** Clears this browser's cookie. */
export async function unpair(): Promise<void> {
  await api("POST", "/api/logout");
}

/** Earlier versions kept the token in localStorage and a script-made cookie: drop both. */
export function forgetStoredToken(): void {
  localStorage.removeItem("tether_token");
  // biome-ignore lint/suspicious/noDocumentCookie: expiring the old script-made cookie is all this does
  document.cookie = "tether_token=; Path=/; Max-Age=0; SameSite=Strict";
}
