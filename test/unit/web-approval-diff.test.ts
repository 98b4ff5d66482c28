// What an approval card makes of a tool request: the line diff (true, small for small edits,
// bounded for huge ones) and the reading of each adapter's tool input.
import { describe, expect, it } from "vitest";
import {
  type DiffLine,
  type DiffRow,
  diffLines,
  diffTexts,
  MAX_DIFF_CELLS,
  MAX_DIFF_LINES,
  readUnified,
  splitLines,
  withContext,
} from "../../web/src/approvals/line-diff.js";
import { toolView } from "../../web/src/approvals/tool-view.js";

const side = (lines: DiffLine[], keep: "add" | "del") =>
  lines.filter((l) => l.kind === "ctx" || l.kind === keep).map((l) => l.text);
const changes = (lines: DiffLine[]) => lines.filter((l) => l.kind !== "ctx").length;
const marks = (rows: DiffRow[]) =>
  rows.map((r) =>
    r.kind === "skip" ? `…${r.count}` : r.kind === "hunk" ? r.text : `${r.kind}:${r.text}`,
  );

/** A small deterministic generator, so a failing case can be run again. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe("line diff", () => {
  it("keeps what is the same and marks what is removed and added", () => {
    const lines = diffLines(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]);
    expect(lines).toEqual([
      { kind: "ctx", text: "a" },
      { kind: "del", text: "b" },
      { kind: "add", text: "x" },
      { kind: "ctx", text: "c" },
      { kind: "ctx", text: "d" },
      { kind: "add", text: "e" },
    ]);
  });

  it("is a true diff, and a smallest one, for random edits", () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const a = Array.from(
        { length: Math.floor(next() * 30) },
        () => "abcde"[Math.floor(next() * 5)]!,
      );
      const b = [...a];
      const edits = Math.floor(next() * 6);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (b.length + 1));
        if (next() < 0.5 && b.length > 0) b.splice(at, 1);
        else b.splice(at, 0, "xyz"[Math.floor(next() * 3)]!);
      }
      const lines = diffLines(a, b);
      expect(side(lines, "del")).toEqual(a);
      expect(side(lines, "add")).toEqual(b);
      // No more changes than the edits made (each edit is one line in or out).
      expect(changes(lines)).toBeLessThanOrEqual(edits);
    }
  });

  it("splits text into lines, a final line break ending the last line", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb")).toEqual(["a", "b"]);
    expect(splitLines("a\n\n")).toEqual(["a", ""]);
  });

  it("keeps three lines of context around each change and counts the rest", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 10", "LINE 10");
    const diff = diffTexts(before, after);
    expect(marks(diff.rows)).toEqual([
      "…7",
      "ctx:line 7",
      "ctx:line 8",
      "ctx:line 9",
      "del:line 10",
      "add:LINE 10",
      "ctx:line 11",
      "ctx:line 12",
      "ctx:line 13",
      "…6",
    ]);
    expect(diff).toMatchObject({ added: 1, removed: 1, omitted: 0 });
    expect(withContext(diffLines(["same"], ["same"]))).toEqual([]);
  });

  it("is bounded: a changed middle too big to compare is all removed, then all added", () => {
    const n = Math.ceil(Math.sqrt(MAX_DIFF_CELLS)) + 10;
    const a = Array.from({ length: n }, (_, i) => `a${i}`);
    const b = Array.from({ length: n }, (_, i) => (i % 2 ? `a${i}` : `b${i}`));
    const lines = diffLines(a, b);
    // Still true, only not the smallest.
    expect(side(lines, "del")).toEqual(a);
    expect(side(lines, "add")).toEqual(b);
    expect(lines.findIndex((l) => l.kind === "add")).toBeGreaterThan(
      lines.findLastIndex((l) => l.kind === "del"),
    );
  });

  it("compares at most MAX_DIFF_LINES lines of each side, and says how many it left out", () => {
    const long = Array.from({ length: MAX_DIFF_LINES + 500 }, (_, i) => `l${i}`).join("\n");
    const diff = diffTexts("", long);
    expect(diff.added).toBe(MAX_DIFF_LINES);
    expect(diff.omitted).toBe(500);
  });

  it("reads a unified diff as given, leaving the file headers to the card", () => {
    const diff = readUnified(
      "diff --git a/x b/x\nindex 1..2\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n keep\n-old\n+new\n\\ No newline at end of file",
    );
    expect(marks(diff.rows)).toEqual(["@@ -1,3 +1,3 @@", "ctx:keep", "del:old", "add:new"]);
    expect(diff).toMatchObject({ added: 1, removed: 1 });
  });
});

describe("tool view", () => {
  const view = (tool_name: string | null, tool_input: unknown) =>
    toolView({ tool_name, tool_input });

  it("shows Claude's Bash and Codex's command approvals as commands", () => {
    expect(view("Bash", { command: "npm test", description: "Run tests" })).toEqual({
      kind: "command",
      command: "npm test",
      cwd: null,
    });
    expect(view("command", { command: "rm -rf build", cwd: "/w", reason: null })).toEqual({
      kind: "command",
      command: "rm -rf build",
      cwd: "/w",
    });
  });

  it("shows Edit, MultiEdit and Write as diffs of their file", () => {
    const edit = view("Edit", { file_path: "a.ts", old_string: "x\ny", new_string: "x\nz" });
    expect(edit.kind === "files" && edit.files[0]).toMatchObject({
      path: "a.ts",
      note: null,
      added: 1,
      removed: 1,
    });
    const multi = view("MultiEdit", {
      file_path: "b.ts",
      edits: [
        { old_string: "1", new_string: "2" },
        { old_string: "3", new_string: "4\n5" },
      ],
    });
    expect(multi.kind === "files" && marks(multi.files[0]!.rows)).toEqual([
      "Edit 1 of 2",
      "del:1",
      "add:2",
      "Edit 2 of 2",
      "del:3",
      "add:4",
      "add:5",
    ]);
    const write = view("Write", { file_path: "c.md", content: "# C\ntext\n" });
    expect(write.kind === "files" && write.files[0]).toMatchObject({
      path: "c.md",
      note: "whole file",
      added: 2,
      removed: 0,
    });
  });

  it("shows Codex's file changes file by file", () => {
    const patch = view("apply_patch", {
      changes: [
        { path: "/ws/a.txt", kind: { type: "update", move_path: "/ws/b.txt" }, diff: "-a\n+b" },
        { path: "/ws/new.txt", kind: { type: "add" }, diff: "hi" },
        { path: "/ws/old.txt", kind: { type: "delete" }, diff: "bye\n" },
      ],
      reason: null,
      grant_root: null,
    });
    expect(patch.kind).toBe("files");
    if (patch.kind !== "files") return;
    expect(patch.files.map((f) => [f.path, f.note, f.added, f.removed])).toEqual([
      ["/ws/a.txt", "moved to /ws/b.txt", 1, 1],
      ["/ws/new.txt", "new file", 1, 0],
      ["/ws/old.txt", "deleted", 0, 1],
    ]);
  });

  it("shows a question as its choices, and anything else as JSON", () => {
    expect(view(null, null)).toEqual({ kind: "none" });
    expect(view("WebFetch", { url: "https://x.test" })).toEqual({
      kind: "json",
      text: JSON.stringify({ url: "https://x.test" }, null, 2),
    });
    // A known tool with an unexpected shape is not guessed at.
    expect(view("Edit", { file_path: "a.ts", old_string: 1 }).kind).toBe("json");
    expect(view("Bash", "ls").kind).toBe("json");
    expect(view("apply_patch", { changes: [{ path: 3 }] }).kind).toBe("json");
    expect(view(null, { free: "form" }).kind).toBe("json");
  });
});
