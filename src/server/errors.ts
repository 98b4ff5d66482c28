import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { TetherError } from "../core/errors.js";

// Fastify's own client-error codes, mapped onto ours.
const FASTIFY_CODES: Record<string, TetherError["code"]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
};

interface Issue {
  path: string;
  message: string;
}

/** Turns any error into our one error shape; only our own faults are a 5xx. */
export function toTetherError(err: FastifyError | Error, req?: FastifyRequest): TetherError {
  if (err instanceof TetherError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? "request";
    const issues: Issue[] = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split("/").filter(Boolean)].join("."),
      message: v.message ?? "is invalid",
    }));
    const first = issues[0];
    return new TetherError(
      "validation_failed",
      first ? `${first.path}: ${first.message}` : `invalid ${where}`,
      { details: { issues } },
    );
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
