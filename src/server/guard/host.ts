// The Host check (DNS rebinding): a page whose DNS name flips to 127.0.0.1 reaches us with its
// own name in Host, so only names we chose to answer to are served, on every route, socket and
// mode. A request without Host (HTTP/1.0; Node already refuses HTTP/1.1 without one) is refused
// too: every browser, agent and CLI sends one, so nothing legitimate lacks it.
import type { FastifyRequest } from "fastify";
import { TetherError } from "../../core/errors.js";
import type { Site } from "./site.js";

/** Why the request's Host is refused, or undefined when it names us. */
export function hostRefusal(site: Site, req: FastifyRequest): TetherError | undefined {
  const host = req.headers.host;
  if (host === undefined || host === "") {
    return new TetherError(
      "host_not_allowed",
      "the request has no Host header; send one naming this Tether (e.g. Host: localhost:8787)",
    );
  }
  if (site.hostAllowed(host, req.raw)) return undefined;
  const shown = JSON.stringify(host.slice(0, 100));
  return new TetherError(
    "host_not_allowed",
    `this Tether does not answer to the host ${shown}: to serve it, add its name to TETHER_ALLOWED_HOSTS (comma-separated) or set TETHER_PUBLIC_URL`,
  );
}
