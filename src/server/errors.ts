import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { TetherError } from "../core/errors.js";
import { isTooLargeParams } from "../shared/schemas.js";

// Fastify's own client-error codes, mapped onto ours.
const FASTIFY_CODES: Record<string, TetherError["code"]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
};

export interface Issue {
  path: string;
  message: string;
  /** Set for a value over its size limit (see LIMITS in shared/schemas.ts). */
  tooLarge?: boolean;
}

/** One error for a message's validation issues: 413 when a value is over its size limit (the
 * client must send less, not something else), else 400. The message names the first field. */
export function validationError(issues: Issue[], fallback: string): TetherError {
  const big = issues.find((i) => i.tooLarge);
  const first = big ?? issues[0];
  const message = first ? `${first.path}: ${first.message}` : fallback;
  const details = { issues: issues.map(({ path, message }) => ({ path, message })) };
  return new TetherError(big ? "payload_too_large" : "validation_failed", message, { details });
}

/** Turns any error into our one error shape; only our own faults are a 5xx. */
export function toTetherError(err: FastifyError | Error, req?: FastifyRequest): TetherError {
  if (err instanceof TetherError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? "request";
    const issues: Issue[] = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split("/").filter(Boolean)].join("."),
      message: v.message ?? "is invalid",
      // A custom zod issue's own params sit under params.params.
      tooLarge: isTooLargeParams((v.params as { params?: unknown } | undefined)?.params),
    }));
    return validationError(issues, `invalid ${where}`);
  }
  const fastifyErr = err as FastifyError;
  if (err instanceof SyntaxError)
    return new TetherError("invalid_json", `body is not valid JSON: ${err.message}`);
  const mapped = fastifyErr.code ? FASTIFY_CODES[fastifyErr.code] : undefined;
  if (mapped === "unsupported_media_type") {
    const got = req?.headers["content-type"]?.slice(0, 100) ?? "none";
    return new TetherError(mapped, `send the body as application/json (content-type was ${got})`);
  }
  if (mapped) return new TetherError(mapped, fastifyErr.message);
  const status = fastifyErr.statusCode ?? 500;
  if (status >= 400 && status < 500) return new TetherError("bad_request", fastifyErr.message);
  return new TetherError("internal", "internal error; see the daemon's log", { cause: err });
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const error = toTetherError(err, req);
  if (error.status >= 500) req.log.error({ err }, "request failed");
  return reply.code(error.status).send(error.toBody());
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  const error = new TetherError(
    "route_not_found",
    `no route ${req.method} ${req.url.split("?")[0]}`,
  );
  return reply.code(error.status).send(error.toBody());
}
