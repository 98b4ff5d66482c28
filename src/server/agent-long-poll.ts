// The External API's long poll: an agent outside Tether asks for the next message in its queue
// (the human's input, a decision, an interrupt) and waits for one to arrive.
import { AGENT_MESSAGE_EVENTS, agentMessageOf, toAgentMessage } from "../core/agent-messages.js";
import type { AgentMessage } from "../shared/schemas.js";
import type { ServerDeps } from "./types.js";

/** The next message for the agent after `afterSeq` (and its cursor), waiting up to `timeoutMs`. */
export async function waitForAgentMessage(
  { engine, bus }: Pick<ServerDeps, "engine" | "bus">,
  sessionId: string,
  afterSeq: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AgentMessage | undefined> {
  let wake!: (m: AgentMessage | undefined) => void;
  const arrived = new Promise<AgentMessage | undefined>((resolve) => {
    wake = resolve;
  });
  const unsubscribe = bus.subscribe({
    name: `agent-long-poll:${sessionId}`,
    sessionId,
    types: AGENT_MESSAGE_EVENTS,
    deliver(event) {
      const message = agentMessageOf(event);
      if (message) wake(message);
      return true;
    },
    cutOff: () => wake(undefined),
  });
  const timer = setTimeout(() => wake(undefined), timeoutMs);
  const onAbort = () => wake(undefined);
  signal.addEventListener("abort", onAbort);
  try {
    const [queued] = await engine.readQueue(sessionId, afterSeq, 1);
    if (queued) return toAgentMessage(queued);
    if (timeoutMs === 0) return undefined;
    const message = await arrived;
    // A live message may already be behind the cursor if another poller acknowledged it.
    if (message && message.seq <= engine.getSession(sessionId).agent_cursor) {
      return waitForAgentMessage({ engine, bus }, sessionId, afterSeq, 0, signal);
    }
    return message;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}
