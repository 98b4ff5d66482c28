// Who a request says it is: the credential it presents, and whether that credential is right.
// The token comes as a bearer header or a `token` query parameter (non-browser EventSource and
// WebSocket clients cannot set headers); the web app's credential is its pairing cookie
// (device-credential.ts). A malformed credential is simply a wrong one: a 401, never a throw.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Actor } from "../core/actor.js";
import { cookieName, type DeviceCredentials } from "./device-credential.js";

export type Presented =
  | { via: "none" }
  | { via: "bearer" | "query" | "cookie"; value: string }
  /** Present but unreadable: two token parameters, a cookie value with stray characters. */
  | { via: "malformed" };

/** A cookie value as we make it; anything else (`%E0%A4%A`, quotes, spaces) is malformed. */
const COOKIE_VALUE = /^[A-Za-z0-9_.-]{1,200}$/;

export function presentedCredential(req: FastifyRequest): Presented {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return { via: "bearer", value: header.slice(7).trim() };
  const token = (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof token === "string") return { via: "query", value: token };
  if (token !== undefined) return { via: "malformed" };
  const cookie = cookieValue(req.headers.cookie, cookieName(req.raw.socket.localPort));
  if (cookie === undefined) return { via: "none" };
  return COOKIE_VALUE.test(cookie) ? { via: "cookie", value: cookie } : { via: "malformed" };
}

/** The value of the cookie `name` in a Cookie header, undecoded; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Checks a presented credential in constant time: the actor it proves, or undefined. */
export function makeAuthenticator(
  token: string,
  devices: DeviceCredentials,
): (presented: Presented) => Actor | undefined {
  const isToken = makeTokenCheck(token);
  return (presented) => {
    switch (presented.via) {
      case "bearer":
      case "query":
        return isToken(presented.value) ? { kind: "api" } : undefined;
      case "cookie": {
        const device = devices.verify(presented.value);
        return device === undefined ? undefined : { kind: "web", device };
      }
      default:
        return undefined;
    }
  };
}

/** Whether the token a pairing request carries is right, in constant time. */
export function makeTokenCheck(token: string): (given: string) => boolean {
  const expected = digest(token);
  return (given) => timingSafeEqual(digest(given), expected);
}
