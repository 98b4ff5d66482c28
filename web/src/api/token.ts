// The token lives in localStorage (read by fetch calls) and in the `tether_token` cookie, which
// the browser sends by itself on EventSource and service-worker requests that cannot set headers.
const KEY = "tether_token";
const COOKIE = "tether_token";
const YEAR_S = 365 * 24 * 3600;

export function getToken(): string | null {
  return localStorage.getItem(KEY);
}

export function setToken(token: string): void {
  localStorage.setItem(KEY, token);
  const secure = location.protocol === "https:" ? "; Secure" : "";
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from older phone browsers
  document.cookie = `${COOKIE}=${encodeURIComponent(token)}; Path=/; Max-Age=${YEAR_S}; SameSite=Strict${secure}`;
}

export function clearToken(): void {
  localStorage.removeItem(KEY);
  // biome-ignore lint/suspicious/noDocumentCookie: as above
  document.cookie = `${COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`;
}
