// Ids: a kind prefix and 16 base32 characters, unique, also across refills of the random pool.
import { describe, expect, it } from "vitest";
import { newId } from "../../dist/core/ids.js";

describe("newId", () => {
  it("gives distinct, well-formed ids well past one pool of random bytes", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newId("apr");
      expect(id).toMatch(/^apr_[0-9abcdefghjkmnpqrstvwxyz]{16}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(5000);
    expect(newId("sess")).toMatch(/^sess_/);
  });
});
