// Approvals in a session's topic, through the real daemon and the real grammY against the fake
// Bot API: one button per option; an allowed user's press decides it as telegram:<id> and the
// agent hears so; answered anywhere else, the message loses its buttons and says who; a late
// press gets "Already answered" and never a second decision; a stranger's press does nothing.
import { expect, it } from "vitest";
import { USER } from "../fakes/telegram.js";
import {
  askApproval,
  buttonTexts,
  createExternalSession,
  DELIVERY_MS,
  events,
  refusedCalls,
  STRANGER,
  useTelegram,
  waitForButtons,
  waitForCallbackAnswer,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();

it("shows a button per option, and an allowed user's press answers the agent", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "deploys");
  const requestId = await askApproval(d, session.id, {
    title: "Deploy to staging?",
    description: "kubectl apply -f staging.yaml",
    options: ["Approve", "Reject", "Ask me later"],
  });
  const poll = d.api("GET", `/external/sessions/${session.id}/input?timeout=20`);

  const asked = await waitForButtons(fake, session.threadId, "Deploy to staging?");
  expect(buttonTexts(asked)).toEqual(["Approve", "Reject", "Ask me later"]);
  for (const b of asked.reply_markup!.inline_keyboard.flat()) {
    expect(Buffer.byteLength(b.callback_data ?? "")).toBeLessThanOrEqual(64);
  }
  const query = fake.clickButton({ messageId: asked.message_id, text: "Approve" });

  const got = await poll;
  expect(got.status, got.text).toBe(200);
  expect(got.body).toMatchObject({
    type: "approval_response",
    data: { request_id: requestId, option: "Approve", decided_by: "telegram:1001" },
  });
  await waitForCallbackAnswer(fake, query);
  const edited = await waitFor(
    () => {
      const m = fake.message(asked.chat_id, asked.message_id)!;
      return m.edits.length > 0 && buttonTexts(m).length === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the approval message edited without buttons" },
  );
  expect(edited.text).toContain("Approve");
  expect(edited.text).toContain(`@${USER.username} (on Telegram)`);
  const approval = (await d.api("GET", `/api/approvals/${requestId}`)).body;
  expect(approval).toMatchObject({
    status: "resolved",
    decision: "Approve",
    decided_by: "telegram:1001",
  });
  expect(refusedCalls(fake)).toEqual([]);
});

it("edits the message when the approval is answered on the App API, and a late press is told", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "migrations");
  const requestId = await askApproval(d, session.id, {
    title: "Run migrations?",
    options: ["Approve", "Reject"],
  });
  const asked = await waitForButtons(fake, session.threadId, "Run migrations?");

  const resolved = await d.api("POST", `/api/approvals/${requestId}/resolve`, { option: "Reject" });
  expect(resolved.status, resolved.text).toBe(200);
  const edited = await waitFor(
    () => {
      const m = fake.message(asked.chat_id, asked.message_id)!;
      return m.edits.length > 0 && buttonTexts(m).length === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the approval message edited without buttons" },
  );
  expect(edited.text).toContain("Reject");
  expect(edited.text).toMatch(/\(on web\)|\bAPI\b/i);

  // A phone that has not caught up with the edit still shows the buttons.
  const late = fake.clickButton({ messageId: asked.message_id, text: "Approve", stale: true });
  const answer = await waitForCallbackAnswer(fake, late);
  expect(answer.text ?? "").toMatch(/^Already answered/);
  const resolvedEvents = (await events(d, session.id)).filter(
    (e) => e.type === "approval_resolved",
  );
  expect(resolvedEvents).toHaveLength(1);
  expect(resolvedEvents[0]!.data).toMatchObject({ option: "Reject" });
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body.decision).toBe("Reject");
  expect(refusedCalls(fake)).toEqual([]);
});

it("ignores a stranger's press, answering it so their spinner stops", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "strangers");
  const requestId = await askApproval(d, session.id, { title: "Delete the branch?" });
  const asked = await waitForButtons(fake, session.threadId, "Delete the branch?");

  const query = fake.clickButton({ messageId: asked.message_id, text: "Approve", from: STRANGER });
  await waitForCallbackAnswer(fake, query);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body).toMatchObject({
    status: "pending",
    decision: null,
  });
  expect((await events(d, session.id)).filter((e) => e.type === "approval_resolved")).toEqual([]);
  // The buttons are still there for someone who may answer.
  expect(buttonTexts(fake.message(asked.chat_id, asked.message_id)!)).toEqual([
    "Approve",
    "Reject",
  ]);

  // And the allowed user still can.
  const ok = fake.clickButton({ messageId: asked.message_id, text: "Reject" });
  await waitForCallbackAnswer(fake, ok);
  await waitFor(
    async () => (await d.api("GET", `/api/approvals/${requestId}`)).body.status === "resolved",
    { timeoutMs: DELIVERY_MS, what: "the allowed user's press to decide" },
  );
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body).toMatchObject({
    decision: "Reject",
    decided_by: "telegram:1001",
  });
});

it("decides once when two presses race: the second is told it was already answered", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "double tap");
  const requestId = await askApproval(d, session.id, { title: "Push to main?" });
  const asked = await waitForButtons(fake, session.threadId, "Push to main?");
  const first = fake.clickButton({ messageId: asked.message_id, text: "Approve" });
  const second = fake.clickButton({ messageId: asked.message_id, text: "Reject" });
  await waitForCallbackAnswer(fake, first);
  const answer = await waitForCallbackAnswer(fake, second);
  expect(answer.text ?? "").toMatch(/^Already answered/);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body.decision).toBe("Approve");
  expect((await events(d, session.id)).filter((e) => e.type === "approval_resolved")).toHaveLength(
    1,
  );
});

it("shows the tool's command as code", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "tools");
  const command = "rm -rf build && npm run build";
  await askApproval(d, session.id, {
    title: "Run a command?",
    tool_name: "Bash",
    tool_input: { command },
  });
  const asked = await waitForButtons(fake, session.threadId, "Run a command?");
  const start = asked.text.indexOf(command);
  expect(start).toBeGreaterThanOrEqual(0);
  const code = asked.entities.find(
    (e) =>
      (e.type === "pre" || e.type === "code") &&
      e.offset <= start &&
      e.offset + e.length >= start + command.length,
  );
  expect(
    code,
    `a code entity around the command; entities: ${JSON.stringify(asked.entities)}`,
  ).toBeDefined();
});

it("says an approval was withdrawn when its session ends, and takes the buttons away", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "ending");
  const requestId = await askApproval(d, session.id, { title: "Rebase onto main?" });
  const asked = await waitForButtons(fake, session.threadId, "Rebase onto main?");
  const ended = await d.api("POST", `/api/sessions/${session.id}/end`, {});
  expect(ended.status, ended.text).toBe(200);
  const edited = await waitFor(
    () => {
      const m = fake.message(asked.chat_id, asked.message_id)!;
      return m.edits.length > 0 && buttonTexts(m).length === 0 ? m : undefined;
    },
    { timeoutMs: DELIVERY_MS, what: "the approval message edited without buttons" },
  );
  expect(edited.text).toMatch(/withdrawn/i);
  expect((await d.api("GET", `/api/approvals/${requestId}`)).body.status).toBe("cancelled");
  const late = fake.clickButton({ messageId: asked.message_id, text: "Approve", stale: true });
  expect((await waitForCallbackAnswer(fake, late)).text ?? "").toMatch(/^Already withdrawn/);
});
