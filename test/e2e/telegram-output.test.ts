// An agent's output in its topic, through the real daemon and the real grammY against the fake
// Bot API: in order, each once, batched into a message that is edited while it grows (never with
// the same text: "message is not modified"), valid HTML with the agent's text escaped, no
// message over 4096 characters, and a very long output sent as a file.
import { expect, it } from "vitest";
import {
  botMessages,
  createExternalSession,
  expectEachOnceInOrder,
  longestVersion,
  markerOf,
  numberedOutputs,
  postOutputs,
  refusedCalls,
  topicText,
  useTelegram,
  waitForBotMessage,
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
