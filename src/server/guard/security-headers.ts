// Security headers on every response, API and web app files alike. The web app's files are
// written by a private Fastify instance on the raw response (src/server/web.ts), so the headers
// are set on the raw response before any handler runs, where every writer keeps them.
import type { ServerResponse } from "node:http";

/** The web app is one origin's scripts and styles (the Vite build has no inline script or
 * style element); it is never framed, and talks only to its own origin ('self' covers ws: and
 * wss: to it). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

export function setSecurityHeaders(res: ServerResponse): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}
