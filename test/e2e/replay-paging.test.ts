// A session of many large outputs can be read (finding 12): GET /events pages by size, and the
// SSE and WebSocket replays send every event once, in order, page by page.
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { TestSocket } from "../helpers/socket.js";
import { SseClient } from "../helpers/sse.js";

const TOKEN = "replay-paging-token-0123456789abcdef0123456789";
const OUTPUTS = 40;
const BIG = "o".repeat(256 * 1024);
let t: TestDaemon;
let session: string;

beforeEach(async () => {
  t = await startTestDaemon({ token: TOKEN });
  session = (await t.api("POST", "/external/sessions", { session_name: "big" })).body.session_id;
  for (let i = 0; i < OUTPUTS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, () =>
        t.api("POST", `/external/sessions/${session}/output`, { text: BIG }),
      ),
    );
  }
});
afterEach(() => t.close());

// created, the outputs, and running on the first output.
const TOTAL = OUTPUTS + 2;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

it("GET /events ends a page at about 4 MB and says where the next starts", async () => {
  const seqs: number[] = [];
  let since = 0;
  let pages = 0;
  for (;;) {
    const res = await t.api("GET", `/api/sessions/${session}/events?since_seq=${since}`);
    expect(res.status).toBe(200);
    expect(res.text.length).toBeLessThan(5 * 1024 * 1024);
    seqs.push(...res.body.events.map((e: { seq: number }) => e.seq));
    since = res.body.next_since_seq;
    pages++;
    if (!res.body.has_more) break;
  }
  expect(seqs).toEqual(range(TOTAL));
  expect(pages).toBeGreaterThanOrEqual(3);
  // limit still counts events.
  const small = await t.api("GET", `/api/sessions/${session}/events?limit=2`);
  expect(small.body).toMatchObject({ next_since_seq: 2, has_more: true });
  expect((await t.api("GET", "/api/health")).status).toBe(200);
});

it("the SSE replay sends every event once, in order", async () => {
  const sse = new SseClient(`${t.url}/api/sessions/${session}/stream`, {
    authorization: `Bearer ${TOKEN}`,
  });
  try {
    const frames = await sse.waitFor((f) => f.filter((x) => x.id).length >= TOTAL, 20_000);
    expect(frames.filter((x) => x.id).map((x) => Number(x.id))).toEqual(range(TOTAL));
  } finally {
    sse.close();
  }
});

it("the WebSocket replay sends every event once, in order", async () => {
  const ws = await TestSocket.open(`${t.wsUrl}/api/sessions/${session}/ws`, {
    authorization: `Bearer ${TOKEN}`,
  });
  try {
    const got: number[] = [];
    while (got.length < TOTAL) got.push((await ws.next((m) => m.type === "event")).data.seq);
    expect(got).toEqual(range(TOTAL));
  } finally {
    await ws.close();
  }
});
