import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";

export const TOKEN_COOKIE = "tether_token";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Checks a request's token in constant time. The token may come as a bearer header, as a
 * `token` query parameter (browser EventSource and WebSocket cannot set headers) or as the
 * `tether_token` cookie. */
export function makeTokenCheck(token: string): (req: FastifyRequest) => boolean {
  const expected = digest(token);
  return (req) => {
    const given = tokenOf(req);
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const query = req.query as Record<string, unknown> | undefined;
  if (typeof query?.token === "string") return query.token;
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join("="));
    }
  }
  return undefined;
}
