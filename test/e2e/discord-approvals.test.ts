// Approvals and /tether on Discord, through the real daemon and the real @discordjs libraries
// against the fake: a click is acknowledged within 3 s; answered on the App API the message says
// who and loses its buttons, and a late click is told privately who answered; two allowed users
// clicking at once make one decision; /tether's subcommands answer privately; pairing.
import { expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  createDiscordSession,
  DELIVERY_MS,
  refusedCalls,
  STRANGER,
  threadMessages,
  USER,
  useDiscord,
} from "../helpers/discord.js";
import { waitFor } from "../helpers/wait.js";

const discord = useDiscord();

function buttonsOf(fake: FakeDiscord, threadId: string, title: string) {
  return waitFor(
    () =>
      threadMessages(fake, threadId).find(
        (m) => m.content.includes(title) && (m.components?.length ?? 0) > 0,
      ),
    { timeoutMs: DELIVERY_MS, what: `the buttons of "${title}"` },
  );
}

async function approval(d: TestDaemon, id: string) {
  return (await d.api("GET", `/api/approvals/${id}`)).body;
}

it("answered on the App API, the message says who and loses its buttons; a late click is told", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon();
  const session = await createDiscordSession(d, "migrations");
  const requestId = await askApproval(d, session.id, {
    title: "Run migrations?",
    options: ["Approve", "Reject"],
  });
  const asked = await buttonsOf(fake, session.threadId, "Run migrations?");
  const resolved = await d.api("POST", `/api/approvals/${requestId}/resolve`, { option: "Reject" });
  expect(resolved.status, resolved.text).toBe(200);
  const settled = await waitFor(
    () => {
      const m = fake.message(asked.id)!;
      return (m.components?.length ?? 0) === 0 && m.edits.length > 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the message settled" },
  );
  expect(settled.content).toContain("❌ Denied by the API");

  // A client that has not caught up still shows the buttons: a click then is told, privately.
  const late = fake.clickButton({
    messageId: asked.id,
    customId: `a:${requestId}:0`,
    stale: true,
  });
  const acked = await fake.waitForAck(late.id);
  expect(acked.ack?.type).toBe(6);
  const told = await waitFor(() => fake.ephemerals.find((e) => e.interactionId === late.id), {
    timeoutMs: DELIVERY_MS,
    what: "the late click to be told",
  });
  expect(told.content).toMatch(/answered already/i);
  expect((await approval(d, requestId)).decision).toBe("Reject");
  expect(refusedCalls(fake)).toEqual([]);
});

it("acknowledges every click within Discord's 3 s, and two clicks at once make one decision", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon({
    env: { DISCORD_ALLOWED_USER_IDS: `${USER.id},${STRANGER.id}` },
  });
  const session = await createDiscordSession(d, "race");
  const requestId = await askApproval(d, session.id, {
    title: "Merge it?",
    options: ["Yes", "No"],
  });
  const asked = await buttonsOf(fake, session.threadId, "Merge it?");
  const a = fake.clickButton({ messageId: asked.id, label: "Yes" });
  const b = fake.clickButton({ messageId: asked.id, label: "No", user: STRANGER });
  for (const click of [a, b]) {
    const acked = await fake.waitForAck(click.id);
    expect(acked.ack!.at - acked.createdAt).toBeLessThan(3000);
  }
  const decided = await waitFor(
    async () => {
      const now = await approval(d, requestId);
      return now.status === "resolved" && now;
    },
    { timeoutMs: DELIVERY_MS, what: "the decision" },
  );
  const loser = decided.decision === "Yes" ? b : a;
  await waitFor(() => fake.ephemerals.find((e) => e.interactionId === loser.id), {
    timeoutMs: DELIVERY_MS,
    what: "the losing click to be told who won",
  });
  const events = (await d.api("GET", `/api/sessions/${session.id}/events?since_seq=0`)).body
    .events as { type: string }[];
  expect(events.filter((e) => e.type === "approval_resolved")).toHaveLength(1);
});

it("answers /tether's subcommands privately, and pairs a user with a code", async () => {
  const fake = await discord.fake();
  const d = await discord.daemon({ env: { DISCORD_ALLOWED_USER_IDS: "" } });
  await createDiscordSession(d, "alpha session");
  const run = async (options: unknown[], user = USER) => {
    const ran = fake.slashCommand({ name: "tether", options, user });
    await fake.waitForAck(ran.id);
    const reply = await waitFor(() => fake.ephemerals.find((e) => e.interactionId === ran.id), {
      timeoutMs: DELIVERY_MS,
      what: "the command's private answer",
    });
    return reply.content;
  };
  // Nobody is paired: the answer says how to pair.
  expect(await run([{ type: 1, name: "sessions" }])).toContain("/tether pair");
  const code = (await d.api("POST", "/api/bridges/discord/pairing-code")).body.code as string;
  expect(
    await run([{ type: 1, name: "pair", options: [{ type: 3, name: "code", value: code }] }]),
  ).toMatch(/^Paired/);
  expect(await run([{ type: 1, name: "sessions" }])).toContain("alpha session");
  expect(
    await run([
      { type: 1, name: "status", options: [{ type: 3, name: "session", value: "alpha" }] },
    ]),
  ).toMatch(/Nothing waits for you/);
  expect(await run([{ type: 1, name: "help" }])).toContain("/tether new");
});
