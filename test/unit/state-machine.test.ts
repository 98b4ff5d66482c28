// The session state machine of DESIGN.md §3, checked over every pair of states.
import { describe, expect, it } from "vitest";
import { TetherError } from "../../dist/core/errors.js";
import { assertTransition, canTransition } from "../../dist/core/state-machine.js";
import { SESSION_STATES, type SessionState } from "../../dist/shared/schemas.js";

// DESIGN.md §3: created → running ⇄ awaiting_input, running → interrupting → awaiting_input,
// running|interrupting → error, error → running, any → done.
const DESIGN: [SessionState, SessionState][] = [
  ["created", "running"],
  ["running", "awaiting_input"],
  ["awaiting_input", "running"],
  ["running", "interrupting"],
  ["interrupting", "awaiting_input"],
  ["running", "error"],
  ["interrupting", "error"],
  ["error", "running"],
];
for (const s of SESSION_STATES) if (s !== "done") DESIGN.push([s, "done"]);

// Allowed on top of the design. The first two are explained in src/core/state-machine.ts (an
// external agent may ask for input or fail before it ever reported running); the last two let
// an agent waiting for the human report an error, and a failed agent report "done" again.
const EXTENSIONS: [SessionState, SessionState][] = [
  ["created", "awaiting_input"],
  ["created", "error"],
  ["awaiting_input", "error"],
  ["error", "awaiting_input"],
];

const allowed = new Set([...DESIGN, ...EXTENSIONS].map(([from, to]) => `${from}→${to}`));

const pairs = SESSION_STATES.flatMap((from) => SESSION_STATES.map((to) => [from, to] as const));

describe("session state machine", () => {
  it.each(DESIGN)("allows %s → %s (DESIGN.md §3)", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it("allows exactly the design's transitions plus the documented extensions", () => {
    const actual = pairs
      .filter(([from, to]) => from !== to && canTransition(from, to))
      .map(([from, to]) => `${from}→${to}`);
    expect(new Set(actual)).toEqual(allowed);
  });

  it("treats staying in the same state as no transition", () => {
    for (const s of SESSION_STATES) expect(canTransition(s, s)).toBe(true);
  });

  it("never leaves done", () => {
    for (const to of SESSION_STATES.filter((s) => s !== "done")) {
      expect(canTransition("done", to)).toBe(false);
      expect(() => assertTransition("done", to)).toThrow(TetherError);
    }
  });

  it.each([
    ["created", "interrupting"],
    ["awaiting_input", "interrupting"],
    ["interrupting", "running"],
    ["error", "interrupting"],
    ["running", "created"],
    ["done", "running"],
  ] as const)("refuses %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it("throws invalid_transition (409) naming both states for every refused pair", () => {
    const refused = pairs.filter(([from, to]) => !canTransition(from, to));
    expect(refused.length).toBeGreaterThan(0);
    for (const [from, to] of refused) {
      let caught: unknown;
      try {
        assertTransition(from, to);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TetherError);
      const error = caught as TetherError;
      expect(error.code).toBe("invalid_transition");
      expect(error.status).toBe(409);
      expect(error.message).toContain(from);
      expect(error.message).toContain(to);
      expect(error.details).toEqual({ from, to });
    }
  });
});
