// `tether doctor`'s reading of package.json's engines.node: the range forms npm documents.
import { describe, expect, it } from "vitest";
import { satisfies } from "../../dist/cli/doctor/node-version.js";

describe("satisfies (engines.node ranges)", () => {
  const cases: [string, string, boolean][] = [
    ["v20.20.2", ">=20.19", true],
    ["v20.18.9", ">=20.19", false],
    ["v22.1.0", ">=20.19", true],
    ["v20.20.2", "^20.19.0 || ^22.12.0 || >=24", true],
    ["v21.7.0", "^20.19.0 || ^22.12.0 || >=24", false],
    ["v22.11.0", "^20.19.0 || ^22.12.0 || >=24", false],
    ["v22.12.0", "^20.19.0 || ^22.12.0 || >=24", true],
    ["v24.0.0", "^20.19.0 || ^22.12.0 || >=24", true],
    ["v20.5.0", "20.x", true],
    ["v21.0.0", "20.x", false],
    ["v20.19.1", "~20.19", true],
    ["v20.20.0", "~20.19", false],
    ["v20.19.0", ">= 20.19.0 < 21", true],
    ["v21.0.0", ">= 20.19.0 < 21", false],
    ["v20.19.0", "*", true],
  ];
  for (const [version, range, expected] of cases) {
    it(`${version} ${expected ? "satisfies" : "does not satisfy"} ${range}`, () => {
      expect(satisfies(version, range)).toBe(expected);
    });
  }
});
