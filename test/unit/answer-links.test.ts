// Answer links (the capability behind an ntfy button): a link answers the one option of the one
// approval it was made for, until its expiry, and only for the daemon whose key signed it.
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ANSWER_LINK_KEY_FILE,
  AnswerLinks,
  loadOrCreateAnswerLinkKey,
} from "../../dist/notify/answer-links.js";
import { tempDir } from "../helpers/daemon.js";

const KEY = randomBytes(32);
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("answer links", () => {
  it("grants what it was made for, until it expires", () => {
    let now = Date.UTC(2026, 11, 1, 12);
    const links = new AnswerLinks(KEY, 60, () => now);
    const link = links.make("apr_0123456789abcdef", 1);
    expect(link).toMatch(/^apr_0123456789abcdef\.1\.\d+\.[\w-]{22}$/);
    expect(links.open(link)).toEqual({ approvalId: "apr_0123456789abcdef", optionIndex: 1 });
    now += 60_000;
    expect(links.open(link).optionIndex).toBe(1);
    now += 1_000;
    expect(codeOf(() => links.open(link))).toBe("answer_link_expired");
  });

  it("refuses a link another key signed, or one changed anywhere", () => {
    const links = new AnswerLinks(KEY, 60);
    const link = links.make("apr_0123456789abcdef", 0);
    expect(codeOf(() => new AnswerLinks(randomBytes(32), 60).open(link))).toBe(
      "answer_link_invalid",
    );
    for (let i = 0; i < link.length; i++) {
      const changed = `${link.slice(0, i)}${link[i] === "a" ? "b" : "a"}${link.slice(i + 1)}`;
      expect(
        codeOf(() => links.open(changed)),
        changed,
      ).toBe("answer_link_invalid");
    }
  });

  it("keeps its key in the data dir, 0600, and makes a new one for a damaged file", () => {
    dir = tempDir("tether-answer-links-");
    const key = loadOrCreateAnswerLinkKey(dir.path);
    const file = join(dir.path, ANSWER_LINK_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateAnswerLinkKey(dir.path).equals(key)).toBe(true);
    expect(readFileSync(file, "utf8").trim()).toBe(key.toString("base64url"));
    writeFileSync(file, "damaged\n");
    const fresh = loadOrCreateAnswerLinkKey(dir.path);
    expect(fresh.length).toBe(32);
    expect(fresh.equals(key)).toBe(false);
  });
});
