// One registry of error codes: each has the HTTP status it maps to. Every error body on the
// wire is `{ error: { code, message, details? } }`.
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  too_deep: 400,
  unauthorized: 401,
  // The edge's guards (src/server/guard): a Host we do not answer to (DNS rebinding), a request
  // from another site, too many wrong credentials from one client.
  cross_site_request: 403,
  host_not_allowed: 421,
  too_many_attempts: 429,
  agent_cannot_decide: 403,
  // An answer link (an ntfy button's URL): not one this daemon made, or past its expiry.
  answer_link_invalid: 403,
  answer_link_expired: 410,
  not_found: 404,
  session_not_found: 404,
  approval_not_found: 404,
  route_not_found: 404,
  ambiguous_id: 409,
  invalid_transition: 409,
  approval_already_resolved: 409,
  session_ended: 409,
  not_supported: 409,
  payload_too_large: 413,
  upgrade_required: 426,
  unsupported_media_type: 415,
  agent_failed: 502,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class TetherError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TetherError";
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const sessionNotFound = (id: string) =>
  new TetherError("session_not_found", `no session with id ${id}`);

export const approvalNotFound = (id: string) =>
  new TetherError("approval_not_found", `no approval with id ${id}`);

export const agentCannotDecide = () =>
  new TetherError(
    "agent_cannot_decide",
    "this request comes from an agent Tether runs (or a process it started); agents cannot answer approvals",
  );
