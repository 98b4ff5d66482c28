// A Slack message's markup undone into the plain text an agent reads.
import { expect, it } from "vitest";
import { plainFromSlack } from "../../dist/bridges/slack/incoming-text.js";

it("undoes Slack's escapes, links, mentions and channel names, and nothing else", () => {
  expect(plainFromSlack("fix &lt;Login&gt; &amp; &amp;lt; tests")).toBe("fix <Login> & &lt; tests");
  expect(plainFromSlack("see <https://example.com/a?b=1&amp;c=2>")).toBe(
    "see https://example.com/a?b=1&c=2",
  );
  expect(plainFromSlack("<https://example.com|the docs> and <mailto:a@b.c|a@b.c>")).toBe(
    "the docs (https://example.com) and a@b.c",
  );
  expect(plainFromSlack("ask <@U0ADA000001|ada> in <#C0123|eng>, <!here>")).toBe(
    "ask @ada in #eng, @here",
  );
  expect(plainFromSlack("<@U0ADA000001> *bold* `code` ~x~")).toBe("@U0ADA000001 *bold* `code` ~x~");
});
