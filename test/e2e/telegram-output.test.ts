// An agent's output in its topic, through the real daemon and the real grammY against the fake
// Bot API: in order, each once, batched into a message that is edited while it grows (never with
// the same text: "message is not modified"), valid HTML with the agent's text escaped, no
// message over 4096 characters, and a very long output sent as a file.
import { expect, it } from "vitest";
import {
  botMessages,
  createExternalSession,
  events,
  expectEachOnceInOrder,
  longestVersion,
  markerOf,
  numberedOutputs,
  postOutputs,
  refusedCalls,
  topicText,
  useTelegram,
  waitForBotMessage,
  waitForEvent,
  waitForTopicText,
} from "../helpers/telegram.js";
import { waitFor } from "../helpers/wait.js";

const tg = useTelegram();

it("shows every output in order, once, batched into fewer messages than outputs", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "streaming");
  const outputs = numberedOutputs(40);
  await postOutputs(d, session.id, outputs);

  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!));
  expectEachOnceInOrder(text, outputs);
  const withOutput = botMessages(fake, session.threadId).filter((m) => m.text.includes("out-"));
  expect(withOutput.length).toBeLessThan(outputs.length);
  // Batched by editing the message while it grows.
  expect(fake.callsOf("editMessageText").length).toBeGreaterThan(0);
  expect(refusedCalls(fake)).toEqual([]);
  expect(longestVersion(fake, session.threadId)).toBeLessThanOrEqual(4096);
});

it("escapes the agent's text so Telegram shows it as written", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "escaping");
  const tricky = 'if (a < b && c > d) { tag = "<b>not bold</b>"; }';
  await postOutputs(d, session.id, [tricky, "after the tricky one"]);
  const text = await waitForTopicText(fake, session.threadId, "after the tricky one");
  expect(text).toContain("a < b && c > d");
  expect(text).toContain("<b>not bold</b>");
  // Nothing of it became formatting.
  const m = botMessages(fake, session.threadId).find((x) => x.text.includes("a < b"))!;
  const bold = m.entities.filter((e) => e.type === "bold");
  for (const e of bold) expect(m.text.slice(e.offset, e.offset + e.length)).not.toBe("not bold");
  expect(refusedCalls(fake)).toEqual([]);
});

it("splits a run of outputs longer than one message across messages of at most 4096", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "long run");
  // 30 outputs of ~600 characters: ~18 000 in all, more than four messages' worth.
  const outputs = numberedOutputs(30).map((o) => `${o} ${"lorem ipsum ".repeat(50)}`);
  await postOutputs(d, session.id, outputs);
  const text = await waitForTopicText(fake, session.threadId, markerOf(outputs.at(-1)!), 30_000);
  expectEachOnceInOrder(text, outputs);
  expect(longestVersion(fake, session.threadId)).toBeLessThanOrEqual(4096);
  expect(
    botMessages(fake, session.threadId).filter((m) => m.text.includes("out-")).length,
  ).toBeGreaterThan(4);
  expect(refusedCalls(fake)).toEqual([]);
});

it("sends a very long output as a document with the whole text in the file", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "big output");
  const lines = Array.from(
    { length: 400 },
    (_, i) => `line ${String(i).padStart(4, "0")}: ${"x".repeat(40)}`,
  );
  const big = lines.join("\n");
  expect(big.length).toBeGreaterThan(18_000);
  await postOutputs(d, session.id, [big, "after the big one"]);

  const doc = await waitForBotMessage(
    fake,
    { threadId: session.threadId },
    (m) => m.document !== undefined,
    "a document",
  );
  const content = doc.document!.bytes.toString("utf8");
  expect(content).toContain(big);
  expect(fake.callsOf("sendDocument").filter((c) => c.status === 200)).toHaveLength(1);
  // What follows still arrives, after the file.
  const after = await waitForBotMessage(
    fake,
    { threadId: session.threadId, afterId: doc.message_id },
    (m) => m.text.includes("after the big one"),
    "the output after the document",
  );
  expect(after.message_id).toBeGreaterThan(doc.message_id);
  // The file was not also pasted as text.
  expect(topicText(fake, session.threadId)).not.toContain("line 0399");
  expect(longestVersion(fake, session.threadId)).toBeLessThanOrEqual(4096);
  expect(refusedCalls(fake)).toEqual([]);
});

it("never edits a message to the text it already has", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "no same edits");
  // Outputs that add nothing visible, between ones that do.
  const outputs = ["first line", " ", "second line", "", "third line"].filter((t) => t.length > 0);
  await postOutputs(d, session.id, outputs);
  await waitForTopicText(fake, session.threadId, "third line");
  await waitFor(() => fake.calls.every((c) => c.status !== 0 || c.method === "getUpdates"), {
    what: "calls in flight to finish",
  });
  expect(fake.calls.filter((c) => /not modified/.test(c.description ?? ""))).toEqual([]);
  expect(refusedCalls(fake)).toEqual([]);
});

it("shortens thinking and tool results in the topic; the full text stays in the session", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "shortened");
  const thought = `I wonder ${"whether the cache is stale ".repeat(100)}THINK-END`;
  const result = `${"PASS test/unit/thing.test.ts\n".repeat(200)}RESULT-END`;
  for (const [text, kind] of [
    [thought, "thinking"],
    [result, "tool_result"],
    ["after the long ones", undefined],
  ] as const) {
    const res = await d.api("POST", `/external/sessions/${session.id}/output`, {
      text,
      metadata: {},
      ...(kind ? { kind } : {}),
    });
    expect(res.status, res.text).toBe(200);
  }
  const text = await waitForTopicText(fake, session.threadId, "after the long ones");
  expect(text).toContain("I wonder whether the cache is stale");
  expect(text).not.toContain("THINK-END");
  expect(text).not.toContain("RESULT-END");
  expect(text.length).toBeLessThan(thought.length + result.length);
  const stored = (await events(d, session.id)).filter((e) => e.type === "output");
  expect(stored.map((e) => e.data.text)).toEqual([thought, result, "after the long ones"]);
  expect(refusedCalls(fake)).toEqual([]);
});

it("shows input typed elsewhere in the topic, but not the Telegram user's own message again", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "echoes");
  fake.userSends({ text: "typed on Telegram", threadId: session.threadId });
  await waitForEvent(d, session.id, (e) => e.type === "human_input");
  const sent = await d.api("POST", `/api/sessions/${session.id}/input`, {
    text: "typed in the CLI",
  });
  expect(sent.status, sent.text).toBe(200);
  const text = await waitForTopicText(fake, session.threadId, "typed in the CLI");
  expect(
    botMessages(fake, session.threadId).filter((m) => m.text.includes("typed on Telegram")),
  ).toEqual([]);
  expect(text).toContain("typed in the CLI");
});

it("keeps the typing indicator on in the topic while the agent works", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "working");
  const typing = () =>
    fake.chatActions.filter(
      (a) => a.action === "typing" && a.message_thread_id === session.threadId,
    );
  const running = await d.api("POST", `/external/sessions/${session.id}/status`, {
    status: "thinking",
  });
  expect(running.body.state).toBe("running");
  await waitFor(() => typing().length >= 1, { timeoutMs: 5_000, what: "typing in the topic" });
  // Telegram shows it for about 5 s: it is sent again while the agent still works.
  await waitFor(() => typing().length >= 2, { timeoutMs: 12_000, what: "typing sent again" });
  const [first, second] = typing();
  expect(second!.at - first!.at).toBeLessThan(6_000);
});

it("still shows the next output when someone deleted the message it would have grown", async () => {
  const fake = await tg.fake();
  const d = await tg.daemon();
  const session = await createExternalSession(d, "deleted message");
  await postOutputs(d, session.id, ["first output"]);
  await waitForTopicText(fake, session.threadId, "first output");
  const grown = botMessages(fake, session.threadId).find((m) => m.text.includes("first output"))!;
  fake.deleteMessage(grown.message_id);
  await postOutputs(d, session.id, ["second output"]);
  await waitForTopicText(fake, session.threadId, "second output");
});
