// A session created without a name is named after its prompt: the first line with words,
// without Markdown's leading marks, cut at a word boundary.
import { describe, expect, it } from "vitest";
import { NAME_FROM_PROMPT_MAX, nameFromPrompt } from "../../dist/shared/session-name.js";

describe("nameFromPrompt", () => {
  it("takes the first line with words, without list or heading marks", () => {
    expect(nameFromPrompt("Fix the flaky login test")).toBe("Fix the flaky login test");
    expect(nameFromPrompt("\n\n## Refactor   auth\nthen the docs")).toBe("Refactor auth");
    expect(nameFromPrompt("---\n- rotate the tokens")).toBe("rotate the tokens");
    expect(nameFromPrompt("1. add tests")).toBe("add tests");
  });

  it("cuts a long line at a word boundary, with an ellipsis", () => {
    const long =
      "Migrate every remaining callback in the payments service to async functions and add tests";
    const name = nameFromPrompt(long)!;
    expect(name.length).toBeLessThanOrEqual(NAME_FROM_PROMPT_MAX);
    expect(name).toBe("Migrate every remaining callback in the payments service…");
    // One very long word is cut where it has to be.
    expect(nameFromPrompt("x".repeat(200))).toBe(`${"x".repeat(NAME_FROM_PROMPT_MAX - 1)}…`);
  });

  it("gives nothing for no prompt or one without words", () => {
    expect(nameFromPrompt(undefined)).toBeUndefined();
    expect(nameFromPrompt("   \n---\n***")).toBeUndefined();
  });
});
