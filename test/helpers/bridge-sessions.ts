// What the end-to-end tests of every chat bridge share: sessions and approvals over the wire,
// their events, the bridges' health, outputs that can be counted in what reached a chat, and
// a spawned daemon streamed to until it is killed.
import { expect } from "vitest";
import { type ApiResponse, callApi, type SpawnedDaemon, type TestDaemon } from "./daemon.js";
import { waitFor } from "./wait.js";

/** How long a test waits for a bridge to deliver something (it polls, it never sleeps). */
export const DELIVERY_MS = 15_000;

export interface PlatformSession {
  id: string;
  /** The thread's id on the platform (a Telegram topic's message_thread_id, a Slack ts). */
  threadId: string;
  reply: ApiResponse["body"];
}

/** An external agent registers with `platform`; the reply names its thread there. */
export async function createPlatformSession(
  d: TestDaemon,
  name: string,
  platform: string,
  metadata: Record<string, unknown> = { name: "Builder", type: "custom", workspace: "/repo" },
): Promise<PlatformSession> {
  const res = await d.api("POST", "/external/sessions", {
    agent_metadata: metadata,
    session_name: name,
    platform,
  });
  expect(res.status, res.text).toBe(200);
  expect(res.body.thread_info, res.text).toMatchObject({ platform });
  return {
    id: res.body.session_id,
    threadId: String(res.body.thread_info.thread_id),
    reply: res.body,
  };
}

/** Posts outputs one after the other, each acknowledged (committed) before the next. */
export async function postOutputs(d: TestDaemon, id: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    const res = await d.api("POST", `/external/sessions/${id}/output`, { text, metadata: {} });
    expect(res.status, res.text).toBe(200);
  }
}

export async function askApproval(
  d: TestDaemon,
  id: string,
  body: {
    title: string;
    description?: string;
    options?: string[];
    tool_name?: string;
    tool_input?: unknown;
  },
): Promise<string> {
  const res = await d.api("POST", `/external/sessions/${id}/approval`, body);
  expect(res.status, res.text).toBe(200);
  return res.body.request_id;
}

export interface SessionEvent {
  seq: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read each event type's own data
  data: any;
}

export async function events(d: TestDaemon, id: string): Promise<SessionEvent[]> {
  const res = await d.api("GET", `/api/sessions/${id}/events?since_seq=0&limit=10000`);
  expect(res.status, res.text).toBe(200);
  return res.body.events;
}

export function waitForEvent(
  d: TestDaemon,
  id: string,
  pred: (e: SessionEvent) => boolean,
  what = "an event",
): Promise<SessionEvent> {
  let seen: SessionEvent[] = [];
  return waitFor(
    async () => {
      seen = await events(d, id);
      return seen.find(pred);
    },
    {
      timeoutMs: DELIVERY_MS,
      intervalMs: 50,
      what: () => `${what} in ${id}; events: ${JSON.stringify(seen.map((e) => [e.type, e.data]))}`,
    },
  );
}

/** The bridges part of /api/health. */
export async function bridgesHealth(d: TestDaemon) {
  const res = await d.api("GET", "/api/health");
  expect(res.status, res.text).toBe(200);
  return res.body.bridges as {
    name: string;
    state: string;
    since: string;
    last_error: string | null;
    backlog: number;
  }[];
}

// ---------- outputs that can be counted ----------

/** `n` output texts, each with a marker no other one contains (`out-007`). */
export function numberedOutputs(n: number, prefix = "out"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, "0")} done`);
}

/** The marker of a numbered output (`out-007`). */
export const markerOf = (text: string): string => text.split(" ")[0]!;

/** Where each marker occurs in `text`: every index, in order. */
export function occurrences(text: string, marker: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) found.push(i);
  return found;
}

/** Each output's marker occurs exactly once, and in the order they were posted. */
export function expectEachOnceInOrder(text: string, outputs: string[]): void {
  const counts = outputs.map((o) => [markerOf(o), occurrences(text, markerOf(o)).length] as const);
  expect(
    counts.filter(([, n]) => n !== 1),
    "markers not seen exactly once",
  ).toEqual([]);
  const positions = outputs.map((o) => text.indexOf(markerOf(o)));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

// ---------- a daemon killed mid-stream ----------

/** Streams outputs to a spawned daemon, at most `ahead` beyond what the chat shows (an agent
 * about as fast as the platform, so the daemon dies mid-stream); resolves with the ones answered
 * 2xx. A post cut off by the daemon's death ends the stream. */
export function streamOutputs(
  d: SpawnedDaemon,
  id: string,
  outputs: string[],
  shownNow: () => number = () => Number.POSITIVE_INFINITY,
  ahead = 20,
) {
  const acked: string[] = [];
  const done = (async () => {
    for (const text of outputs) {
      try {
        await waitFor(
          () =>
            acked.length - shownNow() < ahead ||
            d.process.exitCode !== null ||
            d.process.signalCode !== null,
          { timeoutMs: 30_000, what: "the chat to catch up" },
        );
        const res = await callApi(d.url, d.token, "POST", `/external/sessions/${id}/output`, {
          text,
          metadata: {},
        });
        if (res.status !== 200) break;
        acked.push(text);
      } catch {
        break; // the daemon is gone
      }
    }
    return acked;
  })();
  return { acked, done };
}

/** The texts of every output the daemon committed for the session, in order. */
export async function committedOutputs(d: SpawnedDaemon, id: string): Promise<string[]> {
  const res = await callApi(
    d.url,
    d.token,
    "GET",
    `/api/sessions/${id}/events?since_seq=0&limit=10000`,
  );
  expect(res.status, res.text).toBe(200);
  return res.body.events
    .filter((e: { type: string }) => e.type === "output")
    .map((e: { data: { text: string } }) => e.data.text);
}
