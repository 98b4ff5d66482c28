// Is this Node one that package.json's `engines.node` accepts? A small reading of npm's range
// syntax (`>=20.19`, `^20.19.0 || >=22.12`, `20.x`): enough for a range we write ourselves.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Check, failed, ok, warn } from "./check.js";

type Version = [number, number, number];

function parse(text: string): { v: Version; wild: number } | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text.trim());
  if (!m) return undefined;
  const parts = [m[1], m[2], m[3]];
  // `wild`: how many leading parts are given (20.x and 20 both give one).
  let wild = 0;
  const v: number[] = [];
  for (const p of parts) {
    if (p === undefined || /[xX*]/.test(p)) break;
    v.push(Number(p));
    wild++;
  }
  while (v.length < 3) v.push(0);
  return { v: v as Version, wild };
}

const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function satisfiesComparator(v: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator)!;
  const op = m[1] ?? "";
  const target = parse(m[2]!);
  if (!target) return false;
  const t = target.v;
  const upper = (i: number): Version =>
    i === 0 ? [t[0] + 1, 0, 0] : i === 1 ? [t[0], t[1] + 1, 0] : [t[0], t[1], t[2] + 1];
  switch (op) {
    case ">=":
      return cmp(v, t) >= 0;
    case ">":
      return cmp(v, t) > 0;
    case "<=":
      return cmp(v, t) <= 0;
    case "<":
      return cmp(v, t) < 0;
    case "^":
      return cmp(v, t) >= 0 && cmp(v, upper(t[0] > 0 || target.wild < 2 ? 0 : 1)) < 0;
    case "~":
      return cmp(v, t) >= 0 && cmp(v, upper(target.wild < 2 ? 0 : 1)) < 0;
    default:
      // `20`, `20.x`, `=20.19.0`: everything the given parts allow.
      return target.wild === 0 || (cmp(v, t) >= 0 && cmp(v, upper(target.wild - 1)) < 0);
  }
}

/** Does `version` (e.g. v20.20.2) satisfy the npm range `range`? */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version.replace(/-.*$/, ""))?.v;
  if (!v) return false;
  return range.split("||").some((set) => {
    const comparators = set
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter(Boolean);
    return comparators.every((c) => satisfiesComparator(v, c));
  });
}

/** Tether's package.json: the first one above this file that declares the `tether` binary. */
export function ownPackageJson(): { engines?: { node?: string } } | undefined {
  let dir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as {
          bin?: Record<string, string>;
          engines?: { node?: string };
        };
        if (pkg.bin?.tether) return pkg;
      } catch {
        // Not ours or not readable: keep looking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function checkNode(): Check {
  const range = ownPackageJson()?.engines?.node;
  if (!range)
    return warn("node", `${process.version}; cannot find Tether's package.json to compare`);
  if (satisfies(process.version, range))
    return ok("node", `${process.version} (Tether needs ${range})`);
  return failed(
    "node",
    `${process.version} is not one Tether supports (${range}); install a supported Node, e.g. with nvm`,
  );
}
