// A fake ntfy server: records what is published, JSON style (`POST /` with the topic in the
// body) or header style (`POST /<topic>` with Title, Click, Actions headers), and the clears
// (`PUT /<topic>/<sequence id>/clear`, ntfy 2.16+), and answers as ntfy does: its checks on a
// sequence id (`^[-_A-Za-z0-9]{1,64}$`, else 400 40049) and on action buttons (at most 3, a known
// action, a label, a URL for view and http, no body on a GET; else 400 40018), as in ntfy's
// server/actions.go. Faults are injected per request.
import { waitFor } from "../helpers/wait.js";
import { type HttpFake, readBody, sendJson, startHttpFake } from "./http.js";

export interface NtfyAction {
  action: string;
  label: string;
  url?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  clear?: boolean;
}

export interface NtfyMessage {
  topic: string;
  title?: string;
  message?: string;
  click?: string;
  priority?: number;
  tags?: string[];
  actions?: NtfyAction[];
  sequence_id?: string;
  authorization: string | undefined;
}

/** A `message_clear` event: the message of that sequence id marked read and dismissed. */
export interface NtfyClear {
  topic: string;
  sequence_id: string;
  authorization: string | undefined;
}

export interface FakeNtfy extends HttpFake {
  messages: NtfyMessage[];
  clears: NtfyClear[];
  inject(fault: { status: number; headers?: Record<string, string>; times?: number }): void;
  /** Requests answered with a fault. */
  refused: number;
  waitForMessages(count: number): Promise<NtfyMessage[]>;
  waitForClears(count: number): Promise<NtfyClear[]>;
}

const NAME = /^[-_A-Za-z0-9]{1,64}$/;
const ACTIONS_MAX = 3;

/** Why ntfy refuses these actions, or undefined. */
function actionsProblem(actions: unknown): string | undefined {
  if (actions === undefined) return undefined;
  if (!Array.isArray(actions)) return "actions must be an array";
  if (actions.length > ACTIONS_MAX) return `only ${ACTIONS_MAX} actions allowed`;
  for (const a of actions as NtfyAction[]) {
    const kind = String(a?.action ?? "").toLowerCase();
    if (!["view", "broadcast", "http", "copy"].includes(kind)) return `action '${kind}' unknown`;
    if (!a.label) return "parameter 'label' is required";
    if ((kind === "view" || kind === "http") && !a.url) {
      return `parameter 'url' is required for action '${kind}'`;
    }
    const method = String(a.method ?? "POST").toUpperCase();
    if (kind === "http" && (method === "GET" || method === "HEAD") && a.body) {
      return `parameter 'body' cannot be set if method is ${method}`;
    }
  }
  return undefined;
}

export async function startFakeNtfy(): Promise<FakeNtfy> {
  const messages: NtfyMessage[] = [];
  const clears: NtfyClear[] = [];
  const faults: { status: number; headers?: Record<string, string>; times?: number }[] = [];
  const fake = {
    messages,
    clears,
    refused: 0,
    inject(fault: { status: number; headers?: Record<string, string>; times?: number }) {
      faults.push({ ...fault });
    },
    waitForMessages: (count: number) =>
      waitFor(() => messages.length >= count && messages, {
        what: () => `${count} ntfy message(s); got ${JSON.stringify(messages)}`,
      }),
    waitForClears: (count: number) =>
      waitFor(() => clears.length >= count && clears, {
        what: () => `${count} ntfy clear(s); got ${JSON.stringify(clears)}`,
      }),
  };
  let next = 0;
  const http = await startHttpFake(async (req, res) => {
    const text = await readBody(req);
    const fault = faults[0];
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.shift();
      fake.refused++;
      res.writeHead(fault.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: fault.status * 100 + 1, http: fault.status, error: "fault" }));
      return;
    }
    const authorization = req.headers.authorization;
    const path = (req.url ?? "/").replace(/\?.*$/, "");
    const id = `m${++next}`;
    const time = Math.floor(Date.now() / 1000);

    const clear = /^\/([^/]+)\/([^/]+)\/(clear|read)$/.exec(path);
    if (clear && (req.method === "PUT" || req.method === "GET")) {
      const [, topic, sequenceId] = clear as unknown as [string, string, string];
      if (!NAME.test(topic)) return sendJson(res, 400, { code: 40009, error: "invalid topic" });
      if (!NAME.test(decodeURIComponent(sequenceId))) {
        return sendJson(res, 400, { code: 40049, error: "invalid request: sequence ID invalid" });
      }
      const sequence_id = decodeURIComponent(sequenceId);
      clears.push({ topic, sequence_id, authorization });
      return sendJson(res, 200, { id, time, event: "message_clear", topic, sequence_id });
    }
    if (req.method !== "POST" && req.method !== "PUT") {
      return sendJson(res, 405, { code: 40501, error: "method" });
    }
    let message: NtfyMessage;
    if (path === "/") {
      const body = JSON.parse(text) as Omit<NtfyMessage, "authorization">;
      message = { ...body, authorization };
    } else {
      const header = (name: string) => req.headers[name] as string | undefined;
      message = {
        topic: path.slice(1),
        message: text,
        authorization,
        ...(header("title") ? { title: header("title") } : {}),
        ...(header("click") ? { click: header("click") } : {}),
      };
    }
    if (!NAME.test(message.topic ?? "")) {
      return sendJson(res, 400, { code: 40009, error: "invalid topic" });
    }
    if (message.sequence_id !== undefined && !NAME.test(message.sequence_id)) {
      return sendJson(res, 400, { code: 40049, error: "invalid request: sequence ID invalid" });
    }
    const problem = actionsProblem(message.actions);
    if (problem) {
      return sendJson(res, 400, {
        code: 40018,
        error: `invalid request: actions invalid: ${problem}`,
      });
    }
    messages.push(message);
    sendJson(res, 200, {
      id,
      time,
      event: "message",
      topic: message.topic,
      ...(message.sequence_id && message.sequence_id !== id
        ? { sequence_id: message.sequence_id }
        : {}),
      message: message.message,
    });
  });
  return Object.assign(fake, http);
}
