import { api } from "./http.js";

/** Sends the agent of `sessionId` a message; the daemon records it as this paired device. */
export function sendInput(sessionId: string, text: string): Promise<unknown> {
  return api("POST", `/api/sessions/${encodeURIComponent(sessionId)}/input`, {
    text,
    sender: "web",
  });
}
