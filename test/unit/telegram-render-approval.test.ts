// An approval as a Telegram message: the tool input shown for what it is (a command as code, an
// edit as a short diff, a question with what each choice means), and once settled, who answered
// what, still within one message.
import { describe, expect, it } from "vitest";
import {
  MESSAGE_LIMIT,
  renderApproval,
  renderSettled,
} from "../../dist/bridges/telegram/render.js";
import { parseHtml } from "../fakes/telegram-html.js";
import { bashApproval } from "./bridge-render-inputs.js";
import { expectSendable } from "./telegram-render-inputs.js";

/** The code of the message's first <pre>, as the reader sees it. */
function preText(html: string): string {
  const parsed = parseHtml(html);
  if ("error" in parsed) throw new Error(parsed.error);
  const pre = parsed.entities.find((e) => e.type === "pre");
  if (!pre) throw new Error(`no <pre> in ${html}`);
  return parsed.text.slice(pre.offset, pre.offset + pre.length);
}

describe("renderApproval", () => {
  it("shows a Bash command as code, after what it is for", () => {
    const html = renderApproval(
      bashApproval({
        tool_input: { command: "rm -rf build && make <all>", description: "Clean build" },
      }),
    );
    expect(html).toBe(
      [
        "🔐 <b>Bash: npm test</b>",
        "",
        "Claude wants to use Bash",
        "",
        "<i>Clean build</i>",
        '<pre><code class="language-bash">rm -rf build &amp;&amp; make &lt;all&gt;</code></pre>',
      ].join("\n"),
    );
  });

  it("shows Codex's command without its login-shell wrapper, and where it runs", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "command",
        title: "command: npm test",
        description: "Codex wants to run a command outside its sandbox.",
        tool_input: { command: "/bin/bash -lc 'npm test'", cwd: "/w/app", reason: null },
      }),
    );
    expect(preText(html)).toBe("npm test");
    expect(html).toContain("in <code>/w/app</code>");
  });

  it("shows an Edit as its path and a short diff", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "Edit",
        title: "Edit: src/a.ts",
        tool_input: {
          file_path: "src/a.ts",
          old_string: "one\ntwo\nthree\nfour\nfive\nsix\nseven",
          new_string: "one\ntwo\nthree\nFOUR <b>\nfive\nsix\nseven",
        },
      }),
    );
    expect(html).toContain("📝 <code>src/a.ts</code>");
    expect(html).toContain('<pre><code class="language-diff">');
    expect(preText(html)).toBe(" two\n three\n-four\n+FOUR <b>\n five\n six");
  });

  it("keeps a big edit's diff to 30 lines and says how many more changed", () => {
    const before = Array.from({ length: 100 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 100 }, (_, i) => `new ${i}`).join("\n");
    const html = renderApproval(
      bashApproval({
        tool_name: "Edit",
        tool_input: { file_path: "big.ts", old_string: before, new_string: after },
      }),
    );
    expect(preText(html).split("\n")).toHaveLength(30);
    expect(html).toContain("… 170 more changed lines");
  });

  it("shows each edit of a MultiEdit as its own hunk", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "MultiEdit",
        tool_input: {
          file_path: "src/b.ts",
          edits: [
            { old_string: "a", new_string: "b" },
            { old_string: "c", new_string: "d", replace_all: true },
          ],
        },
      }),
    );
    expect(preText(html)).toBe("@@ edit 1 of 2\n-a\n+b\n@@ edit 2 of 2\n-c\n+d");
  });

  it("shows a Write as its path and first lines", () => {
    const content = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const html = renderApproval(
      bashApproval({ tool_name: "Write", tool_input: { file_path: "notes.md", content } }),
    );
    expect(html).toContain("📝 <code>notes.md</code> (whole file, 20 lines)");
    expect(preText(html).split("\n")).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i}`));
    expect(html).toContain("… 8 more lines");
  });

  it("shows Codex's file changes, each by kind", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "apply_patch",
        tool_input: {
          changes: [
            { path: "new.txt", kind: { type: "add" }, diff: "hello" },
            {
              path: "b.ts",
              kind: { type: "update", move_path: null },
              diff: "--- a/b.ts\n+++ b/b.ts\n@@ -1 +1 @@\n-x\n+y",
            },
          ],
        },
      }),
    );
    expect(html).toContain(
      '📝 <code>new.txt</code> (new file)\n<pre><code class="language-diff">+hello</code></pre>',
    );
    expect(html).toContain(
      '📝 <code>b.ts</code>\n<pre><code class="language-diff">@@ -1 +1 @@\n-x\n+y</code></pre>',
    );
  });

  it("shows AskUserQuestion's questions with what each option means", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "AskUserQuestion",
        title: "Which database?",
        tool_input: {
          questions: [
            {
              question: "Which database?",
              header: "Storage",
              multiSelect: false,
              options: [
                { label: "Postgres", description: "Runs as a server" },
                { label: "SQLite", description: "A file <local>" },
              ],
            },
          ],
        },
      }),
    );
    expect(html).toBe(
      [
        "🔐 <b>Which database?</b>",
        "",
        "<b>Storage: Which database?</b>",
        "• <b>Postgres</b> — Runs as a server",
        "• <b>SQLite</b> — A file &lt;local&gt;",
      ].join("\n"),
    );
  });

  it("shows a question as Claude's adapter asks it: its choices with their meanings", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: null,
        tool_input: null,
        title: "Which database?",
        description: "Postgres: Runs as a server\nSQLite: A file",
        options: ["Postgres", "SQLite"],
      }),
    );
    expect(html).toBe(
      "❓ <b>Which database?</b>\n\n• <b>Postgres</b> — Runs as a server\n• <b>SQLite</b> — A file",
    );
  });

  it("shows an unknown tool's input as JSON, cut to about 1500 characters", () => {
    const html = renderApproval(
      bashApproval({
        tool_name: "mcp.deploy",
        tool_input: { target: "prod", blob: "z".repeat(5000) },
      }),
    );
    const json = preText(html);
    expect(json.startsWith('{\n  "target": "prod",')).toBe(true);
    expect(json.length).toBeLessThanOrEqual(1500);
    expect(json.endsWith("…")).toBe(true);
  });

  it("says which options ask to be confirmed", () => {
    const html = renderApproval(
      bashApproval({ options: ["Push", "Force push"], risky_options: ["Force push"] }),
    );
    expect(html.endsWith("⚠️ Asks you to confirm: Force push")).toBe(true);
  });
});

describe("renderSettled", () => {
  it("adds who answered what under the request", () => {
    const request = bashApproval();
    const allowed = renderSettled(
      { ...request, status: "resolved", decision: "Allow" },
      "phone (on web)",
    );
    expect(allowed).toBe(`${renderApproval(request)}\n\n✅ <b>Allow</b> — by phone (on web)`);
    const denied = renderSettled(
      { ...request, status: "resolved", decision: "Deny" },
      "@ada (on Telegram)",
    );
    expect(denied.endsWith("\n\n❌ <b>Deny</b> — by @ada (on Telegram)")).toBe(true);
    const rule = renderSettled(
      { ...request, status: "resolved", decision: "Allow Bash for this session" },
      "a session rule",
    );
    expect(rule.endsWith("✅ <b>Allow Bash for this session</b> — by a session rule")).toBe(true);
  });

  it("says an approval was withdrawn, and why", () => {
    const settled = renderSettled(
      { ...bashApproval(), status: "cancelled" },
      "",
      "the agent <stopped>",
    );
    expect(settled.endsWith("\n\n↩️ Withdrawn: the agent &lt;stopped&gt;")).toBe(true);
    expect(
      renderSettled({ ...bashApproval(), status: "cancelled" }, "").endsWith("↩️ Withdrawn"),
    ).toBe(true);
  });

  it("still fits in one message when the request is as long as it gets", () => {
    const huge = bashApproval({
      title: "&".repeat(500),
      description: "<".repeat(64 * 1024),
      tool_input: { command: "&".repeat(64 * 1024), description: "&".repeat(1000) },
    });
    expect(renderApproval(huge).length).toBeGreaterThan(3000);
    const settled = renderSettled(
      { ...huge, status: "resolved", decision: "&".repeat(200) },
      "&".repeat(500),
      "&".repeat(5000),
    );
    expectSendable(settled, MESSAGE_LIMIT);
    expect(settled).toContain("— by &amp;");
  });
});
