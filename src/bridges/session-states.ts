// Each session state as the chats show it on a session's first message: an emoji and a word.
import type { SessionState } from "../shared/schemas.js";

export const STATE_LABELS = {
  created: "⚪ Starting",
  running: "🟢 Working",
  awaiting_input: "🟡 Waiting for you",
  interrupting: "⏸️ Interrupting",
  done: "🏁 Ended",
  error: "🔴 Failed",
} as const satisfies Record<SessionState, string>;
