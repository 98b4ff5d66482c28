// Answering from an ntfy notification: the fake ntfy server receives an approval's options as
// `http` buttons whose URL is an answer link (a capability for one option of one approval, never
// the token), and the daemon takes each link as ntfy's app would send it (a bare POST, no token,
// no cookie): once, as decided by `ntfy`; a second use is a 409 saying who answered; a changed
// link is a 403 and an expired one a 410, and neither answers anything. Answered anywhere, the
// ntfy message is updated to say so and cleared from the phone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeNtfy, type NtfyAction, startFakeNtfy } from "../fakes/ntfy.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { rawRequest } from "../helpers/raw-http.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "ntfy-answer-links-token-9c3e-0123456789abcdef0123";
const PUBLIC_URL = "https://tether.example.test";

let ntfy: FakeNtfy;
let t: TestDaemon;

beforeAll(async () => {
  ntfy = await startFakeNtfy();
  t = await startTestDaemon({
    token: TOKEN,
    env: { TETHER_NTFY_URL: `${ntfy.url}/tether-alerts`, TETHER_PUBLIC_URL: PUBLIC_URL },
  });
});
afterAll(async () => {
  await t?.close();
  await ntfy?.close();
});

async function askApproval(
  d: TestDaemon,
  title: string,
  options?: string[],
): Promise<{ sid: string; id: string; actions: NtfyAction[] }> {
  const created = await d.api("POST", "/external/sessions", { session_name: "deploy" });
  const sid = created.body.session_id as string;
  const asked = await d.api("POST", `/external/sessions/${sid}/approval`, {
    title,
    ...(options ? { options } : {}),
  });
  expect(asked.status).toBe(200);
  const id = asked.body.request_id as string;
  const message = await waitFor(
    () => ntfy.messages.find((m) => m.sequence_id === `approval-${id}`),
    {
      what: () => `the ntfy message for ${id}; got ${JSON.stringify(ntfy.messages)}`,
    },
  );
  return { sid, id, actions: message.actions ?? [] };
}

/** The button's request as ntfy's app makes it: a POST to the link, nothing else. The link's
 * host is TETHER_PUBLIC_URL's; the test reaches the same daemon on its loopback port, with that
 * public Host header, as a reverse proxy would forward it. */
function press(d: TestDaemon, url: string, headers: Record<string, string> = {}) {
  const link = new URL(url);
  return rawRequest(`${d.url}${link.pathname}`, {
    method: "POST",
    headers: { host: link.host, ...headers },
  });
}

const json = (res: { text: string }) => JSON.parse(res.text);

describe("ntfy buttons answer through answer links", () => {
  it("carries the options as http buttons with capability URLs, never the token", async () => {
    const { sid, id, actions } = await askApproval(t, "Ship it?", ["Approve", "Reject", "Later"]);
    expect(actions).toEqual([
      {
        action: "http",
        label: "Approve",
        url: expect.stringMatching(/^https:\/\/tether\.example\.test\/api\/answer\/[\w.-]+$/),
        method: "POST",
        clear: true,
      },
      { action: "http", label: "Reject", url: expect.any(String), method: "POST", clear: true },
      { action: "view", label: "Open", url: `${PUBLIC_URL}/#/sessions/${sid}`, clear: true },
    ]);
    const message = ntfy.messages.find((m) => m.sequence_id === `approval-${id}`)!;
    expect(JSON.stringify(message)).not.toContain(TOKEN);
    expect(actions[0]!.url).not.toBe(actions[1]!.url);
  });

  it("answers once, as ntfy; the agent hears it; a second press is a 409 naming who answered", async () => {
    const { sid, id, actions } = await askApproval(t, "Run the migration?");
    const poll = t.api("GET", `/external/sessions/${sid}/input?timeout=30`);
    const first = await press(t, actions[0]!.url!);
    expect(first.status, first.text).toBe(200);
    expect(json(first)).toEqual({
      approval_id: id,
      session_id: sid,
      option: "Approve",
      decided_by: "ntfy",
    });
    expect((await poll).body).toMatchObject({
      type: "approval_response",
      data: { request_id: id, option: "Approve", decided_by: "ntfy" },
    });

    for (const url of [actions[0]!.url!, actions[1]!.url!]) {
      const again = await press(t, url);
      expect(again.status).toBe(409);
      expect(json(again).error).toMatchObject({
        code: "approval_already_resolved",
        message: "already answered by ntfy (Approve)",
      });
    }
    const approval = (await t.api("GET", `/api/approvals/${id}`)).body;
    expect(approval).toMatchObject({ status: "resolved", decision: "Approve", decided_by: "ntfy" });
  });

  it("refuses a changed link with 403, whatever credential comes with it, and answers nothing", async () => {
    const { id, actions } = await askApproval(t, "Drop the table?");
    const url = actions[0]!.url!;
    const capability = url.slice(url.lastIndexOf("/") + 1);
    const [approval, index, expires, mac] = capability.split(".") as [
      string,
      string,
      string,
      string,
    ];
    /** One character changed. The MAC's last one has spare bits: changing those alone still
     * makes another link, which must be refused as well. */
    const flip = (s: string, at: number) =>
      `${s.slice(0, at)}${s[at] === "A" ? "B" : "A"}${s.slice(at + 1)}`;
    const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const spare = (s: string) => `${s.slice(0, -1)}${B64URL[B64URL.indexOf(s.at(-1)!) ^ 1]}`;
    const changed = [
      `${approval}.${index}.${expires}.${flip(mac, 0)}`,
      `${approval}.${index}.${expires}.${spare(mac)}`,
      `${approval}.1.${expires}.${mac}`,
      `${approval}.${index}.${Number(expires) + 3600}.${mac}`,
      `${flip(approval, approval.length - 1)}.${index}.${expires}.${mac}`,
      "not-a-capability",
      `${approval}.${index}.${expires}`,
    ];
    for (const c of changed) {
      const res = await press(t, `${PUBLIC_URL}/api/answer/${c}`);
      expect(res.status, c).toBe(403);
      expect(json(res).error.code, c).toBe("answer_link_invalid");
      expect(res.text, "the link is not echoed").not.toContain(c);
    }
    // The token does not make a changed link good: the link is the only credential here.
    const withToken = await press(t, `${PUBLIC_URL}/api/answer/${changed[0]}`, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(withToken.status).toBe(403);
    const tooLong = await press(t, `${PUBLIC_URL}/api/answer/${"a".repeat(300)}`);
    expect(tooLong.status).toBe(400);
    expect((await t.api("GET", `/api/approvals/${id}`)).body.status).toBe("pending");
  });

  it("takes a press from ntfy's web app (another origin), and still checks the Host", async () => {
    const { id, actions } = await askApproval(t, "Tag the release?");
    const misdirected = await press(t, actions[1]!.url!, { host: "evil.example" });
    expect(misdirected.status).toBe(421);
    const fromNtfyWeb = await press(t, actions[1]!.url!, {
      origin: "https://ntfy.sh",
      "sec-fetch-site": "cross-site",
      "content-type": "text/plain;charset=UTF-8",
    });
    expect(fromNtfyWeb.status, fromNtfyWeb.text).toBe(200);
    expect(fromNtfyWeb.headers["access-control-allow-origin"]).toBe("*");
    expect((await t.api("GET", `/api/approvals/${id}`)).body.decision).toBe("Reject");
  });

  it("updates the ntfy message once answered anywhere, then clears it from the phone", async () => {
    const { id } = await askApproval(t, "Deploy to prod?");
    const clearsBefore = ntfy.clears.length;
    const resolved = await t.api("POST", `/api/approvals/${id}/resolve`, {
      option: "Reject",
      decided_by: "cli:alice",
    });
    expect(resolved.status).toBe(200);
    const sequence = `approval-${id}`;
    const update = await waitFor(() =>
      ntfy.messages.find((m) => m.sequence_id === sequence && m.priority === 2),
    );
    expect(update).toMatchObject({
      topic: "tether-alerts",
      title: "deploy: Deploy to prod?",
      message: "Answered Reject (cli:alice)",
      actions: [],
    });
    const [clear] = (await ntfy.waitForClears(clearsBefore + 1)).slice(clearsBefore);
    expect(clear).toMatchObject({ topic: "tether-alerts", sequence_id: sequence });
  });

  it("refuses an expired link with 410 and answers nothing", async () => {
    const short = await startTestDaemon({
      token: TOKEN,
      env: {
        TETHER_NTFY_URL: `${ntfy.url}/tether-alerts`,
        TETHER_PUBLIC_URL: PUBLIC_URL,
        TETHER_ANSWER_LINK_TTL_S: "1",
      },
    });
    try {
      const { id, actions } = await askApproval(short, "Rotate the keys?");
      const url = actions[0]!.url!;
      const expires = Number(url.slice(url.lastIndexOf("/") + 1).split(".")[2]);
      // The link says when it expires; wait until that second has passed.
      await waitFor(() => Date.now() >= (expires + 1) * 1000, { timeoutMs: 5_000 });
      const res = await press(short, url);
      expect(res.status).toBe(410);
      expect(json(res).error).toMatchObject({
        code: "answer_link_expired",
        message: expect.stringMatching(/^this answer link expired at .*; open Tether to answer$/),
      });
      expect((await short.api("GET", `/api/approvals/${id}`)).body.status).toBe("pending");
    } finally {
      await short.close();
    }
  });
});
