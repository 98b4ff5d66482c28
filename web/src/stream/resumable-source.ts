// An EventSource that comes back: on any error it is closed and reopened, after a short backoff,
// from the seq of the last event handled, so a phone that slept or lost the network gets exactly
// what it missed. The browser's own retry is not used: it would resend the URL's original
// since_seq, which the daemon prefers over Last-Event-ID.
import { api } from "../api/http.js";
import { forgetStream, reportStream } from "../stores/connection.js";

export interface SourceOptions {
  /** A name for the connection indicator. */
  name: string;
  /** The URL to open, given the last seq handled (0 before the first). */
  url: (lastSeq: number) => string;
  /** One unnamed message: an event, which the handler skips if it has seen its seq. */
  onMessage: (data: string) => void;
  /** Named messages, e.g. the overview's snapshot. */
  named?: Record<string, (data: string) => void>;
  lastSeq: () => number;
  /** Asked after each drop: false stops the retries (say, the session is gone). An EventSource
   * cannot see why it was refused, so this asks the API. By default, whether the app may in. */
  stillWanted?: () => Promise<boolean>;
}

const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
const SLEEP_MS = 20_000;

export class ResumableSource {
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = MIN_DELAY_MS;
  private stopped = false;
  private hiddenAt = 0;
  private readonly wake = () => {
    if (this.stopped) return;
    if (document.visibilityState === "hidden") {
      this.hiddenAt = Date.now();
      return;
    }
    // A phone that slept may hold a connection that died without an error: after a long sleep,
    // start over from the last seq rather than trust it.
    const slept = this.hiddenAt > 0 && Date.now() - this.hiddenAt > SLEEP_MS;
    this.hiddenAt = 0;
    if (this.source === undefined || slept) this.reconnectNow();
  };

  constructor(private readonly options: SourceOptions) {}

  start(): void {
    this.stopped = false;
    window.addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
    forgetStream(this.options.name);
  }

  private open(): void {
    reportStream(this.options.name, false);
    const source = new EventSource(this.options.url(this.options.lastSeq()));
    this.source = source;
    source.onopen = () => {
      this.delay = MIN_DELAY_MS;
      reportStream(this.options.name, true);
    };
    source.onmessage = (e: MessageEvent<string>) => this.options.onMessage(e.data);
    for (const [name, handle] of Object.entries(this.options.named ?? {})) {
      source.addEventListener(name, (e) => handle((e as MessageEvent<string>).data));
    }
    // The daemon cut this client off for falling behind: reconnecting resumes it.
    source.addEventListener("cutoff", () => this.dropped());
    source.onerror = () => this.dropped();
  }

  private dropped(): void {
    this.source?.close();
    this.source = undefined;
    if (this.stopped) return;
    reportStream(this.options.name, false);
    // An EventSource cannot see the status of a refused request: ask once, so a revoked token
    // leads to the token screen (api() sees the 401) and a deleted session to no more retries.
    const stillWanted =
      this.options.stillWanted ??
      (() =>
        api("GET", "/api/health").then(
          () => true,
          () => true,
        ));
    void stillWanted().then((wanted) => {
      if (!wanted) this.stop();
    });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  private reconnectNow(): void {
    clearTimeout(this.timer);
    this.source?.close();
    this.delay = MIN_DELAY_MS;
    this.open();
  }
}
