// ntfy (https://ntfy.sh or a self-hosted server): the same notifications published to a topic
// with plain fetch. JSON publishing, because Node's fetch refuses header values outside
// Latin-1 (an emoji or a non-Latin session name in a Title header would throw).
//
// Each message has the notification's tag as its sequence id (ntfy 2.16+), so a later message
// about the same thing replaces it on the phone; an approval's options are `http` buttons whose
// URL is an answer link (answer-links.ts), which the ntfy app POSTs to when tapped. Once the
// approval is answered anywhere, its message is updated to say so (no buttons, low priority, so
// the phone does not buzz again) and then cleared: marked read and taken out of the drawer.
import { deadline } from "../shared/deadline.js";
import { originOf, preview, type TetherNotification } from "./notification.js";
import { type Outcome, outcomeOfError, outcomeOfStatus } from "./outcome.js";

const SEND_TIMEOUT_MS = 10_000;
const LABEL_MAX = 40;
/** ntfy's priorities: 2 is "low", no sound or vibration. */
const PRIORITY = { approval: 4, awaiting_input: 3, test: 3, resolved: 2 } as const;
const TAGS = {
  approval: "question",
  awaiting_input: "hourglass",
  test: "bell",
  resolved: "white_check_mark",
} as const;

export interface NtfyChannelOptions {
  /** The topic URL, e.g. https://ntfy.sh/my-topic. */
  url: string;
  token: string | undefined;
  /** Where the web app is reached from the phone; the click target is built on it. */
  publicUrl: () => string;
  /** The capability that answers `approvalId` with its option number `optionIndex`. */
  answerLink: (approvalId: string, optionIndex: number) => string;
}

interface NtfyAction {
  action: "view" | "http";
  label: string;
  url: string;
  method?: "POST";
  clear: boolean;
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
    const base = this.options.publicUrl().replace(/\/+$/, "");
    const click = base + n.path;
    const message = {
      topic: this.topic,
      sequence_id: n.tag,
      title: n.title,
      message: n.body,
      click,
      actions: n.kind === "resolved" ? [] : this.actions(n, base, click),
      priority: PRIORITY[n.kind],
      tags: [TAGS[n.kind]],
    };
    const published = await this.request("POST", this.server, signal, JSON.stringify(message));
    if (n.kind !== "resolved" || published.result !== "delivered") return published;
    // Updated to say how it ended; now out of the drawer.
    const clear = `${this.server}${this.topic}/${encodeURIComponent(n.tag)}/clear`;
    return this.request("PUT", clear, signal);
  }

  private actions(n: TetherNotification, base: string, click: string): NtfyAction[] {
    const answers: NtfyAction[] = n.approvalId
      ? n.answers.map((option, i) => ({
          action: "http",
          label: preview(option, LABEL_MAX),
          url: `${base}/api/answer/${this.options.answerLink(n.approvalId!, i)}`,
          method: "POST",
          clear: true,
        }))
      : [];
    // ntfy has no text field on a notification: "Reply" opens the session, its composer focused.
    const open: NtfyAction = n.reply
      ? { action: "view", label: "Reply", url: `${click}?reply=1`, clear: true }
      : { action: "view", label: "Open", url: click, clear: true };
    return [...answers, open];
  }

  private async request(
    method: "POST" | "PUT",
    url: string,
    signal: AbortSignal,
    body?: string,
  ): Promise<Outcome> {
    const bounded = deadline(signal, SEND_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        ...(body === undefined ? {} : { body }),
        signal: bounded.signal,
      });
    } catch (error) {
      return outcomeOfError(error);
    } finally {
      bounded.clear();
    }
    await res.body?.cancel().catch(() => {});
    return outcomeOfStatus(res.status, res.headers.get("retry-after"));
  }
}
