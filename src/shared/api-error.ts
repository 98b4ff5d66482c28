// A daemon answer that is not a 2xx, as every client of the API sees it (the CLI, tether-mcp,
// the web app). The daemon's error body is `{ error: { code, message } }`.
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The ApiError for a non-2xx answer with (already parsed) body `body`. */
export function apiErrorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)
    ?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  return new ApiError(status, code, message);
}
