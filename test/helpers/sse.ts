// A minimal SSE reader over fetch, for tests: collects frames and lets a test wait for them.
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
export type SseFrame = { id?: string; event?: string; data: any };

export class SseClient {
  readonly frames: SseFrame[] = [];
  private readonly controller = new AbortController();
  private notify = () => {};
  readonly status: Promise<number>;
  ended = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.status = this.run(url, headers);
    this.status.catch(() => {});
  }

  private async run(url: string, headers: Record<string, string>): Promise<number> {
    const res = await fetch(url, { headers, signal: this.controller.signal });
    void this.read(res).catch(() => {});
    return res.status;
  }

  private async read(res: Response) {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: Partial<SseFrame> = {};
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) frame.id = line.slice(4);
          else if (line.startsWith("event: ")) frame.event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) this.frames.push({ ...frame, data: JSON.parse(data) });
        end = buffer.indexOf("\n\n");
      }
      this.notify();
    }
    this.ended = true;
    this.notify();
  }

  /** Waits until `count` frames have arrived (or `predicate` holds), with a timeout. */
  async waitFor(
    predicate: (frames: SseFrame[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<SseFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.frames)) {
      if (this.ended)
        throw new Error(`stream ended; frames: ${JSON.stringify(this.frames).slice(0, 400)}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 400)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames;
  }

  close() {
    this.controller.abort();
  }
}
