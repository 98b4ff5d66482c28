// A small typed client of the App API and the External Agent API, shared by the CLI and the MCP
// server.
import type { z } from "zod";
import { ApiError, apiErrorOf } from "../shared/api-error.js";
import type {
  AgentMessage,
  Approval,
  ApprovalRequestReply,
  BridgeList,
  ExternalCreateSessionReply,
  Health,
  OutputKind,
  PairingCodeReply,
  Session,
  TetherEvent,
  Usage,
} from "../shared/schemas.js";
import { type Send, sendFor, type TrustOptions, trustOptions } from "./trusted-cert.js";

const seg = encodeURIComponent;

export { ApiError };

export interface ClientOptions {
  url: string;
  token?: string | undefined;
  /** The daemon's certificate file (TETHER_TLS_CERT), trusted for an https URL
   * (trusted-cert.ts). */
  trustedCert?: string | undefined;
}

export class TetherClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly send: Send;
  /** For a WebSocket to the same daemon (`ws` takes https.request's TLS options). */
  readonly socketTls: TrustOptions | undefined;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.token = options.token;
    this.send = sendFor(this.url, options.trustedCert);
    this.socketTls =
      options.trustedCert && this.url.startsWith("https:")
        ? trustOptions(options.trustedCert)
        : undefined;
  }

  get headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Awaited<ReturnType<Send>>;
    try {
      res = await this.send(this.url + path, {
        method,
        ...(signal ? { signal } : {}),
        headers: {
          ...this.headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, "unreachable", unreachable(this.url, why(error)));
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const ok = res.status >= 200 && res.status < 300;
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
    if (!ok) {
      throw apiErrorOf(res.status, json);
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
  /** Every approval with `status` (pending by default), newest first, fetched page by page. */
  async listApprovals(status: Approval["status"] = "pending"): Promise<Approval[]> {
    const all: Approval[] = [];
    let before: string | null = null;
    do {
      const q = new URLSearchParams({ status, limit: "1000" });
      if (before) q.set("before", before);
      const page: { approvals: Approval[]; next_before: string | null } = await this.request(
        "GET",
        `/api/approvals?${q}`,
      );
      all.push(...page.approvals);
      before = page.next_before;
    } while (before);
    return all;
  }
  /** The approval; with `waitS`, once it is answered or withdrawn, or after that many seconds. */
  getApproval(id: string, waitS = 0, signal?: AbortSignal) {
    const wait = waitS > 0 ? `?wait=${Math.ceil(waitS)}` : "";
    const path = `/api/approvals/${encodeURIComponent(id)}${wait}`;
    return this.request<Approval>("GET", path, undefined, signal);
  }
  resolveApproval(id: string, option: string, decidedBy: string) {
    return this.request<Approval>("POST", `/api/approvals/${encodeURIComponent(id)}/resolve`, {
      option,
      decided_by: decidedBy,
    });
  }
  listSessionsWhere(query: { state?: string | undefined; kind?: string | undefined }) {
    const q = new URLSearchParams();
    if (query.state) q.set("state", query.state);
    if (query.kind) q.set("kind", query.kind);
    const suffix = q.size > 0 ? `?${q}` : "";
    return this.request<{ sessions: Session[] }>("GET", `/api/sessions${suffix}`).then(
      (r) => r.sessions,
    );
  }
  startSession(id: string, prompt?: string) {
    return this.request<Session>(
      "POST",
      `/api/sessions/${seg(id)}/start`,
      prompt === undefined ? {} : { prompt },
    );
  }
  events(id: string, sinceSeq: number, limit: number) {
    return this.request<{ events: TetherEvent[] }>(
      "GET",
      `/api/sessions/${seg(id)}/events?since_seq=${sinceSeq}&limit=${limit}`,
    ).then((r) => r.events);
  }
  listApprovalsWhere(query: { status: string; session_id?: string | undefined }) {
    const q = new URLSearchParams({ status: query.status });
    if (query.session_id) q.set("session_id", query.session_id);
    return this.request<{ approvals: Approval[] }>("GET", `/api/approvals?${q}`).then(
      (r) => r.approvals,
    );
  }
  resolveApprovalWith(id: string, body: { option: string; decided_by: string; message?: string }) {
    return this.request<Approval>("POST", `/api/approvals/${seg(id)}/resolve`, body);
  }

  listBridges() {
    return this.request<BridgeList>("GET", "/api/bridges").then((r) => r.bridges);
  }
  pairingCode(bridge: string) {
    return this.request<PairingCodeReply>("POST", `/api/bridges/${seg(bridge)}/pairing-code`);
  }
  revokeBridgeUser(bridge: string, userId: string) {
    return this.request<void>("DELETE", `/api/bridges/${seg(bridge)}/users/${seg(userId)}`);
  }

  // ---------- External Agent API ----------

  createExternalSession(body: {
    agent_metadata?: Record<string, unknown> | undefined;
    session_name?: string | undefined;
    platform?: string | null | undefined;
  }) {
    return this.request<z.infer<typeof ExternalCreateSessionReply>>(
      "POST",
      "/external/sessions",
      body,
    );
  }
  sendOutput(
    id: string,
    body: { text: string; metadata?: Record<string, unknown>; kind?: OutputKind | undefined },
  ) {
    return this.request<{ ok: true; seq: number }>(
      "POST",
      `/external/sessions/${seg(id)}/output`,
      body,
    );
  }
  requestApproval(
    id: string,
    body: { title: string; description?: string; options?: string[]; risky_options?: string[] },
  ) {
    return this.request<z.infer<typeof ApprovalRequestReply>>(
      "POST",
      `/external/sessions/${seg(id)}/approval`,
      body,
    );
  }
  /** Long-polls for the agent's next message; undefined when none came within `timeoutS`. */
  nextAgentMessage(id: string, timeoutS: number, signal?: AbortSignal) {
    return this.request<AgentMessage | undefined>(
      "GET",
      `/external/sessions/${seg(id)}/input?timeout=${timeoutS}`,
      undefined,
      signal,
    );
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

/** What to say when a request got no answer: for a TLS failure, what to fix about it. */
function unreachable(url: string, reason: string): string {
  const at = `cannot reach Tether at ${url} (${reason})`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_/.test(reason)) {
    return `${at}: its certificate is not trusted here; set TETHER_TLS_CERT to the certificate file the daemon serves`;
  }
  if (/WRONG_VERSION_NUMBER|EPROTO|packet length too long/i.test(reason)) {
    return `${at}: it does not speak HTTPS there; use an http:// URL`;
  }
  // An HTTPS daemon hangs up on plain HTTP without a word.
  const https = url.startsWith("http:") && /UND_ERR_SOCKET|ECONNRESET/.test(reason);
  return `${at}; is \`tether start\` running?${https ? " If it serves HTTPS, use an https:// URL." : ""}`;
}

/** Why fetch failed, briefly: the system's code (ECONNREFUSED, ENOTFOUND…) when there is one. */
function why(error: unknown): string {
  const cause = (error as Error).cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return (error as Error).message;
}
