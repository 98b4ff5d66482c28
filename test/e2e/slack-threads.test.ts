// A session's thread in the Slack channel, through the real daemon and the real Bolt against the
// fake Slack: a parent message that names the session and shows its state (edited as it
// changes), the agent's output in the thread in order, and a reply there as human input.
import { expect, it } from "vitest";
import {
  CHANNEL,
  createSlackSession,
  DELIVERY_MS,
  expectEachOnceInOrder,
  messageText,
  numberedOutputs,
  postOutputs,
  refusedCalls,
  STRANGER,
  threadText,
  USER,
  useSlack,
  waitForEvent,
  waitForThreadText,
} from "../helpers/slack.js";
import { waitFor } from "../helpers/wait.js";

const slack = useSlack();

it("opens a thread per session whose parent shows its name, agent, directory and state", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "refactor auth", {
    name: "Builder",
    type: "custom",
    workspace: "/home/ada/app",
  });
  const parent = fake.message(CHANNEL.id, session.threadTs);
  expect(parent, "the parent message").toBeDefined();
  const said = messageText(parent!);
  expect(said).toContain("refactor auth");
  expect(said).toContain("Builder");
  expect(said).toContain("/home/ada/app");
  expect(parent!.thread_ts).toBeUndefined();

  // The agent works: the parent says so.
  const status = await d.api("POST", `/external/sessions/${session.id}/status`, {
    status: "thinking",
  });
  expect(status.status, status.text).toBe(200);
  await waitFor(() => fake.message(CHANNEL.id, session.threadTs)!.edits.length > 0, {
    timeoutMs: DELIVERY_MS,
    what: "the parent to be edited with the new state",
  });
  expect(refusedCalls(fake)).toEqual([]);
});

it("posts the agent's output in the thread, each once and in order", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "tests");
  const outputs = numberedOutputs(40);
  await postOutputs(d, session.id, outputs);
  const text = await waitForThreadText(fake, session.threadTs, outputs.at(-1)!.split(" ")[0]!);
  expectEachOnceInOrder(text, outputs);
  expect(refusedCalls(fake)).toEqual([]);
});

it("takes a reply in the thread from an allowed user as human input, and ignores a stranger's", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "chat");
  fake.userSays({ text: "from a stranger", threadTs: session.threadTs, user: STRANGER.id });
  fake.userSays({ text: "please also fix <the> docs & tests", threadTs: session.threadTs });
  const input = await waitForEvent(d, session.id, (e) => e.type === "human_input", "human input");
  expect(input.data).toMatchObject({
    text: "please also fix <the> docs & tests",
    sender: `slack:${USER.id}`,
  });
  // The stranger was told privately, and their text never reached the agent.
  await waitFor(() => fake.ephemerals.find((e) => e.user === STRANGER.id), {
    timeoutMs: DELIVERY_MS,
    what: "the stranger to be told they may not answer",
  });
  const inputs = (await d.api("GET", `/api/sessions/${session.id}/events?since_seq=0`)).body
    .events as { type: string; data: { text?: string } }[];
  expect(inputs.filter((e) => e.type === "human_input").map((e) => e.data.text)).toEqual([
    "please also fix <the> docs & tests",
  ]);
  // Not echoed back into the thread it came from.
  expect(threadText(fake, session.threadTs)).not.toContain("please also fix");
});

it("shows Markdown as mrkdwn with Slack's escapes, and a very long output as a file in the thread", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon();
  const session = await createSlackSession(d, "report");
  await postOutputs(d, session.id, [
    "**Done**: fixed `<Login>` & the *flaky* test\n\n```ts\nconst a = b < c && d > e;\n```",
  ]);
  const said = await waitForThreadText(fake, session.threadTs, "Done");
  expect(said).toContain("*Done*: fixed `&lt;Login&gt;` &amp; the _flaky_ test");
  expect(said).toContain("```\nconst a = b &lt; c &amp;&amp; d &gt; e;\n```");

  const report = Array.from({ length: 2000 }, (_, i) => `line ${i + 1} of the report`).join("\n");
  await postOutputs(d, session.id, [report]);
  const file = await waitFor(
    () => fake.files.find((f) => f.shared?.thread_ts === session.threadTs && f.bytes),
    { timeoutMs: DELIVERY_MS, what: "the long output uploaded as a file into the thread" },
  );
  expect(file.shared?.channel_id).toBe(CHANNEL.id);
  expect(file.bytes!.toString("utf8")).toBe(report);
  // The thread shows its head, not all of it.
  const text = await waitForThreadText(fake, session.threadTs, "line 1 of the report");
  expect(text).not.toContain("line 2000 of the report");
  expect(refusedCalls(fake)).toEqual([]);
});

it("links the parent to the session in the web app when TETHER_PUBLIC_URL is set", async () => {
  const fake = await slack.fake();
  const d = await slack.daemon({ env: { TETHER_PUBLIC_URL: "https://tether.example.test" } });
  const session = await createSlackSession(d, "linked");
  const parent = fake.message(CHANNEL.id, session.threadTs)!;
  expect(messageText(parent)).toContain(`https://tether.example.test/#/sessions/${session.id}`);
});
