// A small typed client of the App API, shared by the CLI (and later the MCP server).
import type { z } from "zod";
import type { Approval, Health, Session, Usage } from "../shared/schemas.js";

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

export interface ClientOptions {
  url: string;
  token?: string | undefined;
}

export class TetherClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.token = options.token;
  }

  get headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          ...this.headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(
        0,
        "unreachable",
        `cannot reach Tether at ${this.url}: ${(error as Error).cause ?? (error as Error).message}; is \`tether start\` running?`,
      );
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(
        res.status,
        "bad_response",
        `Tether answered ${res.status} with a body that is not JSON`,
      );
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(
        res.status,
        err?.code ?? "http_error",
        err?.message ?? `HTTP ${res.status}`,
      );
    }
    return json as T;
  }

  health() {
    return this.request<z.infer<typeof Health>>("GET", "/api/health");
  }
  listSessions() {
    return this.request<{ sessions: Session[] }>("GET", "/api/sessions").then((r) => r.sessions);
  }
  getSession(id: string) {
    return this.request<Session>("GET", `/api/sessions/${encodeURIComponent(id)}`);
  }
  createSession(body: Record<string, unknown>) {
    return this.request<Session>("POST", "/api/sessions", body);
  }
  sendInput(id: string, text: string, sender: string) {
    return this.request<{ seq: number }>("POST", `/api/sessions/${encodeURIComponent(id)}/input`, {
      text,
      sender,
    });
  }
  interrupt(id: string, by: string) {
    return this.request<Session>("POST", `/api/sessions/${encodeURIComponent(id)}/interrupt`, {
      by,
    });
  }
  listApprovals() {
    return this.request<{ approvals: Approval[] }>("GET", "/api/approvals").then(
      (r) => r.approvals,
    );
  }
  getApproval(id: string) {
    return this.request<Approval>("GET", `/api/approvals/${encodeURIComponent(id)}`);
  }
  resolveApproval(id: string, option: string, decidedBy: string) {
    return this.request<Approval>("POST", `/api/approvals/${encodeURIComponent(id)}/resolve`, {
      option,
      decided_by: decidedBy,
    });
  }
  usage() {
    return this.request<{ total: Usage }>("GET", "/api/usage");
  }

  /** The WebSocket URL of a session's event stream, with the token in the query. */
  sessionSocketUrl(id: string, sinceSeq: number): string {
    const u = new URL(
      `${this.url.replace(/^http/, "ws")}/api/sessions/${encodeURIComponent(id)}/ws`,
    );
    u.searchParams.set("since_seq", String(sinceSeq));
    if (this.token) u.searchParams.set("token", this.token);
    return u.toString();
  }
}
