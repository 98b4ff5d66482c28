// ntfy (https://ntfy.sh or a self-hosted server): the same notifications published to a topic
// with plain fetch. JSON publishing, because Node's fetch refuses header values outside
// Latin-1 (an emoji or a non-Latin session name in a Title header would throw).
import { originOf, type TetherNotification } from "./notification.js";
import { type Outcome, outcomeOfError, outcomeOfStatus } from "./outcome.js";

const SEND_TIMEOUT_MS = 10_000;

export interface NtfyChannelOptions {
  /** The topic URL, e.g. https://ntfy.sh/my-topic. */
  url: string;
  token: string | undefined;
  /** Where the web app is reached from the phone; the click target is built on it. */
  publicUrl: () => string;
}

export class NtfyChannel {
  private readonly server: string;
  private readonly topic: string;

  constructor(private readonly options: NtfyChannelOptions) {
    // JSON messages are posted to the server's root (which may sit under a path prefix) and
    // name the topic in the body.
    const url = new URL(options.url);
    const parts = url.pathname.split("/");
    this.topic = parts.pop() ?? "";
    url.pathname = `${parts.join("/")}/`;
    url.search = "";
    url.hash = "";
    this.server = url.toString();
  }

  /** For logs: the server's origin, never the topic (on a public server it is the password). */
  get label(): string {
    return `ntfy ${originOf(this.server)}`;
  }

  async send(n: TetherNotification, signal: AbortSignal): Promise<Outcome> {
    const click = this.options.publicUrl().replace(/\/+$/, "") + n.path;
    const message = {
      topic: this.topic,
      title: n.title,
      message: n.body,
      click,
      actions: [{ action: "view", label: "Open", url: click, clear: true }],
      priority: n.kind === "approval" ? 4 : 3,
      tags: [n.kind === "approval" ? "question" : n.kind === "test" ? "bell" : "hourglass"],
    };
    let res: Response;
    try {
      res = await fetch(this.server, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify(message),
        signal: AbortSignal.any([signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
    } catch (error) {
      return outcomeOfError(error);
    }
    await res.body?.cancel().catch(() => {});
    return outcomeOfStatus(res.status, res.headers.get("retry-after"));
  }
}
