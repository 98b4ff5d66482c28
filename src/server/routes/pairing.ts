// Pairing a browser: given the token once, the server sets the web app's credential, an
// HttpOnly, SameSite=Strict cookie named per port (device-credential.ts). Scripts never see it,
// other sites never send it, and the token itself never stays in the browser.
import type { TLSSocket } from "node:tls";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { TetherError } from "../../core/errors.js";
import { ErrorBody } from "../../shared/schemas.js";
import { makeTokenCheck } from "../auth.js";
import {
  cookieName,
  DEVICE_PATTERN,
  type DeviceCredentials,
  newDeviceName,
} from "../device-credential.js";
import type { FailureThrottle } from "../guard/throttle.js";
import { clientKey, tooManyAttempts } from "../guard/throttle.js";
import type { App } from "../types.js";

const tags = ["Pairing"];

/** Chrome keeps a cookie at most 400 days; a year, then the phone pairs again. */
const MAX_AGE_S = 365 * 24 * 3600;

const PairBody = z.object({
  token: z.string().min(1).max(1000),
  device: z
    .string()
    .regex(DEVICE_PATTERN, "must be 1 to 40 letters, digits, - or _")
    .optional()
    .describe("A name for this browser, recorded as `web:<device>`; made up when absent"),
});
const PairReply = z.object({ device: z.string(), actor: z.string() });

export interface PairingOptions {
  token: string | undefined;
  devices: DeviceCredentials | undefined;
  throttle: FailureThrottle;
  /** TETHER_PUBLIC_URL: https there means the browser talks to us over HTTPS. */
  publicUrl: string | undefined;
}

export function pairingRoutes(app: App, options: PairingOptions) {
  const check = options.token === undefined ? undefined : makeTokenCheck(options.token);
  const publicUrl = options.publicUrl ? new URL(options.publicUrl) : undefined;

  /** Secure when the browser's side is HTTPS: the daemon serves it (TETHER_TLS_CERT), a reverse
   * proxy on this machine says so, or the request came in under TETHER_PUBLIC_URL's https host. */
  const overHttps = (req: FastifyRequest) => {
    if ((req.raw.socket as TLSSocket).encrypted) return true;
    const proto = req.headers["x-forwarded-proto"];
    const fromLoopback = /^(127\.|::1$|::ffff:127\.)/.test(req.raw.socket.remoteAddress ?? "");
    if (fromLoopback && proto === "https") return true;
    return publicUrl?.protocol === "https:" && req.headers.host?.toLowerCase() === publicUrl.host;
  };
  const cookie = (req: FastifyRequest, value: string, maxAgeS: number) =>
    [
      `${cookieName(req.raw.socket.localPort)}=${value}`,
      "Path=/",
      `Max-Age=${maxAgeS}`,
      "HttpOnly",
      "SameSite=Strict",
      ...(overHttps(req) ? ["Secure"] : []),
    ].join("; ");

  app.post(
    "/api/pair",
    {
      schema: {
        tags,
        summary: "Pair this browser: trade the token for the web app's cookie",
        description:
          "Sets an HttpOnly, SameSite=Strict cookie `tether_<port>` that authenticates this " +
          "browser as `web:<device>`. The token itself is not kept. Wrong tokens are throttled.",
        body: PairBody,
        response: { 200: PairReply, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody },
        security: [],
      },
    },
    async (req, reply) => {
      if (check === undefined || options.devices === undefined) {
        throw new TetherError(
          "not_supported",
          "this Tether runs without a token (dev mode): there is nothing to pair",
        );
      }
      const client = clientKey(req.raw.socket.remoteAddress);
      const wait = options.throttle.retryAfterS(client);
      if (wait > 0)
        return reply.code(429).header("retry-after", String(wait)).send(tooManyAttempts());
      if (!check(req.body.token)) {
        options.throttle.fail(client);
        throw new TetherError("unauthorized", "that is not this Tether's token");
      }
      const device = req.body.device ?? newDeviceName();
      reply.header("set-cookie", cookie(req, options.devices.make(device), MAX_AGE_S));
      reply.header("cache-control", "no-store");
      return { device, actor: `web:${device}` };
    },
  );

  app.post(
    "/api/logout",
    {
      schema: {
        tags,
        summary: "Unpair this browser: clear its cookie",
        response: { 204: z.null() },
        security: [],
      },
    },
    async (req, reply) => {
      reply.header("set-cookie", cookie(req, "", 0));
      return reply.code(204).send(null);
    },
  );
}
