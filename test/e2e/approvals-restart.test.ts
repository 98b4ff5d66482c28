// Every pending approval is loaded at start-up, however many (finding 10), and lists are paged.
import { afterEach, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";

const TOKEN = "many-approvals-token-0123456789abcdef0123456789";
const dir = tempDir("tether-many-approvals-");
let t: TestDaemon | undefined;
afterEach(async () => {
  await t?.close();
  dir.remove();
});

it("1,500 pending approvals survive a restart, are all listed across pages, and the last still gets its answer", async () => {
  t = await startTestDaemon({ token: TOKEN, dataDir: dir.path });
  const session = (await t.api("POST", "/external/sessions", { session_name: "many" })).body
    .session_id as string;
  const ids: string[] = [];
  for (let chunk = 0; chunk < 15; chunk++) {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t!.api("POST", `/external/sessions/${session}/approval`, { title: `#${chunk * 100 + i}` }),
      ),
    );
    for (const r of replies) ids.push(r.body.request_id);
  }
  await t.close();

  t = await startTestDaemon({ token: TOKEN, dataDir: dir.path });
  expect((await t.api("GET", "/api/health")).body.pending_approvals).toBe(1500);

  const listed: string[] = [];
  let before: string | null = null;
  let pages = 0;
  do {
    const query: string = before ? `?limit=400&before=${encodeURIComponent(before)}` : "?limit=400";
    const page = await t.api("GET", `/api/approvals${query}`);
    expect(page.status).toBe(200);
    expect(page.body.approvals.length).toBeLessThanOrEqual(400);
    listed.push(...page.body.approvals.map((a: { id: string }) => a.id));
    before = page.body.next_before;
    pages++;
  } while (before);
  expect(pages).toBe(4);
  expect(new Set(listed).size).toBe(1500);
  expect([...listed].sort()).toEqual([...ids].sort());
  // The default page is 100.
  expect((await t.api("GET", "/api/approvals")).body.approvals).toHaveLength(100);
  expect((await t.api("GET", "/api/approvals?limit=1001")).status).toBe(400);

  const last = ids.at(-1)!;
  const poll = t.api("GET", `/external/sessions/${session}/input?timeout=10`);
  const resolved = await t.api("POST", `/api/approvals/${last}/resolve`, { option: "Approve" });
  expect(resolved.status).toBe(200);
  const answer = await poll;
  expect(answer.body).toMatchObject({ type: "approval_response", data: { request_id: last } });
});
