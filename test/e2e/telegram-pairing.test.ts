// Pairing instead of an allow list (TELEGRAM_ALLOWED_USER_IDS empty), through the real daemon and
// the real grammY against the fake Bot API: start-up gives a one-time code; whoever sends
// `/pair <code>` in the group is then allowed to answer (until revoked); a wrong code changes
// nothing.
import { expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  askApproval,
  createExternalSession,
  DELIVERY_MS,
  events,
  STRANGER,
  useTelegram,
  waitForBotMessage,
  waitForButtons,
  waitForCallbackAnswer,
  waitForEvent,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();

/** The one-time code of the start-up notice: `Send "/pair 4821-7730" in the bot's group …`. */
function pairingCode(d: TestDaemon): string {
  const notices = d.daemon.pairingNotices;
  expect(notices, "one pairing notice").toHaveLength(1);
  const code = /\/pair ([^\s"]+)/.exec(notices[0]!.text)?.[1];
  expect(code, `a code in ${JSON.stringify(notices)}`).toBeDefined();
  return code!;
}

it("prints a code at start; /pair <code> lets that user answer approvals", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TELEGRAM_ALLOWED_USER_IDS: "" } });
  const code = pairingCode(d);

  const session = await createExternalSession(d, "pairing");
  const requestId = await askApproval(d, session.id, { title: "Ship it?" });
  const asked = await waitForButtons(fake, session.threadId, "Ship it?");
  // Before pairing, nobody may answer.
  const early = fake.clickButton({ messageId: asked.message_id, text: "Approve", from: STRANGER });
  await waitForCallbackAnswer(fake, early);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body.status).toBe("pending");

  const sent = fake.userSends({ text: `/pair ${code}`, from: STRANGER });
  const reply = await waitForBotMessage(fake, { afterId: sent.message_id as number });
  expect(reply.text).toMatch(/paired|allowed|welcome/i);
  expect(reply.text).not.toContain(code);

  const query = fake.clickButton({ messageId: asked.message_id, text: "Approve", from: STRANGER });
  await waitForCallbackAnswer(fake, query);
  const decided = await waitFor(
    async () => {
      const a = (await d.api("GET", `/api/approvals/${requestId}`)).body;
      return a.status === "resolved" ? a : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the paired user's press to decide" },
  );
  expect(decided).toMatchObject({ decision: "Approve", decided_by: `telegram:${STRANGER.id}` });
  // `tether bridges` lists them; nobody is asked to pair any more.
  const listed = (await d.api("GET", "/api/bridges")).body.bridges;
  expect(listed).toMatchObject([
    {
      name: "telegram",
      pairing: true,
      users: [expect.objectContaining({ user_id: String(STRANGER.id) })],
    },
  ]);
});

it("a revoked user's presses and messages do nothing again", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TELEGRAM_ALLOWED_USER_IDS: "" } });
  const sent = fake.userSends({ text: `/pair ${pairingCode(d)}`, from: STRANGER });
  await waitForBotMessage(fake, { afterId: sent.message_id as number });
  const session = await createExternalSession(d, "revoked");
  fake.userSends({ text: "while paired", threadId: session.threadId, from: STRANGER });
  await waitForEvent(
    d,
    session.id,
    (e) => e.type === "human_input" && e.data.text === "while paired",
  );

  const revoked = await d.api("DELETE", `/api/bridges/telegram/users/${STRANGER.id}`);
  expect(revoked.status, revoked.text).toBe(204);
  const requestId = await askApproval(d, session.id, { title: "Force push?" });
  const asked = await waitForButtons(fake, session.threadId, "Force push?");
  const query = fake.clickButton({ messageId: asked.message_id, text: "Approve", from: STRANGER });
  await waitForCallbackAnswer(fake, query);
  fake.userSends({ text: "after revoking", threadId: session.threadId, from: STRANGER });
  // Handled in order: once this code is in, the revoked user's message was seen and dropped.
  const again = fake.userSends({ text: "/pair 0000-0000", from: STRANGER });
  await waitForBotMessage(fake, { afterId: again.message_id as number });
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body.status).toBe("pending");
  const inputs = (await events(d, session.id)).filter((e) => e.type === "human_input");
  expect(inputs.map((e) => e.data.text)).toEqual(["while paired"]);
});

it("tells a wrong code it is not valid, and pairs nobody", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TELEGRAM_ALLOWED_USER_IDS: "" } });
  const code = pairingCode(d);
  const wrong = code.length > 1 ? `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}` : "x";

  const sent = fake.userSends({ text: `/pair ${wrong}`, from: STRANGER });
  const reply = await waitForBotMessage(fake, { afterId: sent.message_id as number });
  expect(reply.text).toMatch(/not valid|invalid|wrong|unknown/i);

  const session = await createExternalSession(d, "still locked");
  const requestId = await askApproval(d, session.id, { title: "Drop the table?" });
  const asked = await waitForButtons(fake, session.threadId, "Drop the table?");
  const query = fake.clickButton({ messageId: asked.message_id, text: "Approve", from: STRANGER });
  await waitForCallbackAnswer(fake, query);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body).toMatchObject({
    status: "pending",
    decision: null,
  });
  // The real code still works afterwards: the wrong one did not spend it.
  const again = fake.userSends({ text: `/pair ${code}`, from: STRANGER });
  const ok = await waitForBotMessage(fake, { afterId: again.message_id as number });
  expect(ok.text).toMatch(/paired|allowed|welcome/i);
});

it("spends the code: a second user cannot pair with it", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon({ env: { TELEGRAM_ALLOWED_USER_IDS: "" } });
  const code = pairingCode(d);
  const first = fake.userSends({ text: `/pair ${code}`, from: STRANGER });
  const ok = await waitForBotMessage(fake, { afterId: first.message_id as number });
  expect(ok.text).toMatch(/paired|allowed|welcome/i);

  const other = { id: 3003, is_bot: false, first_name: "Mallory", username: "mallory" };
  const second = fake.userSends({ text: `/pair ${code}`, from: other });
  const refused = await waitForBotMessage(fake, { afterId: second.message_id as number });
  expect(refused.text).toMatch(/not valid|invalid|wrong|unknown|used/i);
});
