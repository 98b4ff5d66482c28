// A fake ntfy server: records what is published, JSON style (`POST /` with the topic in the
// body) or header style (`POST /<topic>` with Title, Click, Actions headers), and answers as
// ntfy does. Faults are injected per request.
import { waitFor } from "../helpers/wait.js";
import { type HttpFake, readBody, sendJson, startHttpFake } from "./http.js";

export interface NtfyMessage {
  topic: string;
  title?: string;
  message?: string;
  click?: string;
  priority?: number;
  tags?: string[];
  actions?: { action: string; label: string; url: string }[];
  authorization: string | undefined;
}

export interface FakeNtfy extends HttpFake {
  messages: NtfyMessage[];
  inject(fault: { status: number; headers?: Record<string, string>; times?: number }): void;
  /** Requests answered with a fault. */
  refused: number;
  waitForMessages(count: number): Promise<NtfyMessage[]>;
}

export async function startFakeNtfy(): Promise<FakeNtfy> {
  const messages: NtfyMessage[] = [];
  const faults: { status: number; headers?: Record<string, string>; times?: number }[] = [];
  const fake = {
    messages,
    refused: 0,
    inject(fault: { status: number; headers?: Record<string, string>; times?: number }) {
      faults.push({ ...fault });
    },
    waitForMessages: (count: number) =>
      waitFor(() => messages.length >= count && messages, {
        what: () => `${count} ntfy message(s); got ${JSON.stringify(messages)}`,
      }),
  };
  const http = await startHttpFake(async (req, res) => {
    const text = await readBody(req);
    const fault = faults[0];
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.shift();
      fake.refused++;
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(JSON.stringify({ code: fault.status * 100 + 1, http: fault.status, error: "fault" }));
      return;
    }
    if (req.method !== "POST") return sendJson(res, 405, { code: 40501, error: "method" });
    const authorization = req.headers.authorization;
    const path = (req.url ?? "/").replace(/\?.*$/, "");
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
    if (!/^[-_A-Za-z0-9]{1,64}$/.test(message.topic ?? "")) {
      return sendJson(res, 400, { code: 40009, error: "invalid topic" });
    }
    messages.push(message);
    sendJson(res, 200, {
      id: `m${messages.length}`,
      time: Math.floor(Date.now() / 1000),
      event: "message",
      topic: message.topic,
      message: message.message,
    });
  });
  return Object.assign(fake, http);
}
