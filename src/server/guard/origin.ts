// The cross-site check: a page on another origin can make the browser send requests (and open
// WebSockets, which CORS does not cover) to us. Browsers say where a request comes from in
// `Origin` and `Sec-Fetch-Site`; agents, curl and the CLI send neither, and work as before.
import type { FastifyRequest } from "fastify";
import { TetherError } from "../../core/errors.js";
import type { Site } from "./site.js";

const SAFE_METHODS = new Set(["GET", "HEAD"]);

const refuse = (why: string) =>
  new TetherError(
    "cross_site_request",
    `${why}: only this Tether's own web app may call it from a browser`,
  );

/** Why a request from a browser is refused as cross-site, or undefined. */
export function originRefusal(site: Site, req: FastifyRequest): TetherError | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !site.originAllowed(origin, req.raw)) {
    return refuse(
      `the request comes from another origin (${JSON.stringify(origin.slice(0, 100))})`,
    );
  }
  const fetchSite = req.headers["sec-fetch-site"];
  // same-site is refused too: http://localhost:3000 (a dev server an agent started) is the same
  // site as http://localhost:8787.
  if (fetchSite === "cross-site" || fetchSite === "same-site") {
    return refuse(`the request comes from another site (Sec-Fetch-Site: ${fetchSite})`);
  }
  // `none` is the user's own act (a typed URL, a bookmark): fine for reading, never for writing.
  if (fetchSite === "none" && !SAFE_METHODS.has(req.method)) {
    return refuse("a browser request that no page of ours made");
  }
  return undefined;
}

/** True when the browser says the request comes from our own page: the test a request
 * authenticated only by the cookie must pass to change anything (or to open a WebSocket). */
export function provenSameOrigin(site: Site, req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return site.originAllowed(origin, req.raw);
  return req.headers["sec-fetch-site"] === "same-origin";
}

/** Whether a request authenticated by the cookie alone needs that proof: anything but a plain
 * read. A WebSocket upgrade is a GET that then reads and writes. */
export function needsSameOriginProof(req: FastifyRequest): boolean {
  return !SAFE_METHODS.has(req.method) || req.headers.upgrade?.toLowerCase() === "websocket";
}
