// How Codex items and approval requests read in Tether: one-line titles, what the human needs to
// decide, truncated output, and the answer shapes Codex expects.
import { describe, expect, it } from "vitest";
import { shellScript, toApproval } from "../../src/adapters/codex/approvals.js";
import { itemCompleted, itemStarted, truncate } from "../../src/adapters/codex/items.js";
import { Item } from "../../src/adapters/codex/protocol.js";

const base = { threadId: "th", turnId: "tu", itemId: "call_1", startedAtMs: 0 };

describe("Codex approval requests", () => {
  it("shows a command without Codex's login-shell wrapper in the title", () => {
    const approval = toApproval(
      "item/commandExecution/requestApproval",
      { ...base, command: "/bin/bash -lc 'rm -rf build'", cwd: "/ws", reason: "clean up" },
      new Map(),
    );
    expect(approval.turnId).toBe("tu");
    expect(approval.request).toEqual({
      tool: "command",
      title: "command: rm -rf build",
      description: "clean up\nIn /ws",
      input: { command: "/bin/bash -lc 'rm -rf build'", cwd: "/ws", reason: "clean up" },
    });
    expect(approval.answer({ allow: true })).toEqual({ decision: "accept" });
    expect(approval.answer({ allow: false, message: "no" })).toEqual({ decision: "decline" });
  });

  it("names the files of a patch from the item seen earlier", () => {
    const changes = [
      { path: "/etc/hosts", kind: { type: "update", move_path: null }, diff: "-a\n+b" },
      { path: "/ws/new.txt", kind: { type: "add" }, diff: "hi" },
    ];
    const approval = toApproval(
      "item/fileChange/requestApproval",
      { ...base, reason: null, grantRoot: "/etc" },
      new Map([["call_1", changes]]),
    );
    expect(approval.request.title).toBe("apply_patch: update /etc/hosts, add /ws/new.txt");
    expect(approval.request.description).toContain("write under /etc");
    expect(approval.request.input).toMatchObject({ changes, grant_root: "/etc" });
    expect(approval.answer({ allow: true })).toEqual({ decision: "accept" });
  });

  it("grants exactly the permissions asked for, or none", () => {
    const permissions = { network: { enabled: true }, fileSystem: null };
    const approval = toApproval(
      "item/permissions/requestApproval",
      { ...base, environmentId: null, cwd: "/ws", reason: "fetch deps", permissions },
      new Map(),
    );
    expect(approval.request.title).toBe("permissions: network access");
    expect(approval.answer({ allow: true })).toEqual({
      permissions: { network: { enabled: true } },
      scope: "turn",
    });
    expect(approval.answer({ allow: false, message: "no" })).toEqual({
      permissions: {},
      scope: "turn",
    });
  });

  it("keeps titles to one short line", () => {
    const approval = toApproval(
      "item/commandExecution/requestApproval",
      { ...base, command: `echo ${"x".repeat(300)}\necho done` },
      new Map(),
    );
    expect(approval.request.title).not.toContain("\n");
    expect(approval.request.title.length).toBeLessThanOrEqual(120);
  });

  it("leaves commands that are not wrapped alone", () => {
    expect(shellScript("ls -la")).toBe("ls -la");
    expect(shellScript("/usr/bin/zsh -lc 'a && b'")).toBe("a && b");
  });
});

describe("Codex items as output", () => {
  const parse = (item: unknown) => Item.parse(item);

  it("reports an agent message once, whole, when it completes", () => {
    const item = parse({ type: "agentMessage", id: "m1", text: "Done.", phase: null });
    expect(itemStarted(item)).toBeUndefined();
    expect(itemCompleted(item)).toEqual({
      kind: "text",
      text: "Done.",
      metadata: { item_id: "m1" },
    });
  });

  it("reports reasoning summaries as thinking, and skips empty reasoning", () => {
    expect(
      itemCompleted(parse({ type: "reasoning", id: "r", summary: ["a", "b"], content: [] })),
    ).toMatchObject({ kind: "thinking", text: "a\n\nb" });
    expect(itemCompleted(parse({ type: "reasoning", id: "r", summary: [], content: [] }))).toBe(
      undefined,
    );
  });

  it("reports a command's output with its exit code, cut in the middle when long", () => {
    const output = `${"a".repeat(5000)}END`;
    const result = itemCompleted(
      parse({
        type: "commandExecution",
        id: "c",
        command: "make",
        status: "failed",
        aggregatedOutput: output,
        exitCode: 2,
        durationMs: 5,
      }),
    );
    expect(result?.kind).toBe("tool_result");
    expect(result?.text).toMatch(/characters cut/);
    expect(result?.text).toMatch(/END\n\(exit code 2\)$/);
    expect(result?.text.length).toBeLessThan(4100);
    expect(result?.metadata).toMatchObject({ status: "failed", exit_code: 2 });
  });

  it("truncates only what is too long", () => {
    expect(truncate("short")).toBe("short");
    expect(truncate("x".repeat(100), 60).length).toBeLessThanOrEqual(60 + 40);
  });

  it("does not know item types it does not render", () => {
    expect(Item.safeParse({ type: "webSearch", id: "w", query: "q" }).success).toBe(false);
  });
});
