import type { SessionState } from "../../../src/shared/schemas.js";

// Repeated from src/shared/schemas.ts rather than imported, which would pull zod into the bundle;
// `satisfies` makes the type check fail if the two lists drift apart.
export const SESSION_STATES = [
  "created",
  "running",
  "awaiting_input",
  "interrupting",
  "error",
  "done",
] as const satisfies readonly SessionState[];
