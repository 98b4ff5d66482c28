// The README lists the adapters where a reader looks for them (the adapter table, the
// TETHER_AGENT_ADAPTER row of the settings table), and both say what src/shared/kinds.ts says.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ADAPTER_NAMES, ADAPTERS, aliasOf, DEFAULT_ADAPTER } from "../../dist/shared/kinds.js";

const README = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
const lines = README.split("\n");

/** The rows of the Markdown table whose header line starts with `header`. */
function tableRows(header: string): string[] {
  const at = lines.findIndex((line) => line.startsWith(header));
  expect(at, `README has a table headed "${header}"`).toBeGreaterThan(-1);
  const rows: string[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line);
  }
  return rows;
}

it("the README's adapter table has one row per adapter, as the registry describes it", () => {
  const expected = ADAPTER_NAMES.map((name) => {
    const notes = [
      aliasOf(name) && `\`${aliasOf(name)}\``,
      name === DEFAULT_ADAPTER && "the default",
    ].filter(Boolean);
    const shown = notes.length > 0 ? `\`${name}\` (${notes.join(", ")})` : `\`${name}\``;
    return `| ${shown} | ${ADAPTERS[name].agent} | ${ADAPTERS[name].login} |`;
  });
  expect(tableRows("| adapter (`kind`) |")).toEqual(expected);
});

it("the README's TETHER_AGENT_ADAPTER setting lists every adapter and the default", () => {
  const row = lines.find((line) => line.startsWith("| `TETHER_AGENT_ADAPTER` |"));
  expect(row).toBe(
    `| \`TETHER_AGENT_ADAPTER\` | \`${DEFAULT_ADAPTER}\` | default adapter: ${ADAPTER_NAMES.map((n) => `\`${n}\``).join(", ")} |`,
  );
});
