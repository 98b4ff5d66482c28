// What an agent receives: the human's input, the decision on its approval, an interrupt. Each is
// recorded as an event and, for an agent that reads its queue (the External API), queued until
// the agent acknowledges it. This file is the one place that says which events carry a message
// for the agent and what that message is.
import type { AgentMessage, EventType } from "../shared/schemas.js";
import type { QueuedMessage, StoredEvent } from "./store.js";

export type AgentMessageType = AgentMessage["type"];

/** The event types that carry a message for the agent, and the message type each becomes. */
export const AGENT_MESSAGE_OF_EVENT = {
  human_input: "human_input",
  approval_resolved: "approval_response",
  interrupt: "interrupt",
} as const satisfies Partial<Record<EventType, AgentMessageType>>;

export const AGENT_MESSAGE_EVENTS: ReadonlySet<EventType> = new Set(
  Object.keys(AGENT_MESSAGE_OF_EVENT) as EventType[],
);

/** The message an agent receives for a queued one. */
export function toAgentMessage(queued: QueuedMessage): AgentMessage {
  const { session_id: _session, ...message } = queued;
  return message;
}

/** The agent-facing message carried by a committed event, if it carries one. */
export function agentMessageOf(event: StoredEvent): AgentMessage | undefined {
  switch (event.type) {
    case "human_input":
      return {
        type: "human_input",
        seq: event.seq,
        data: { text: event.data.text, timestamp: event.data.timestamp },
      };
    case "interrupt":
      return { type: "interrupt", seq: event.seq, data: { timestamp: event.data.timestamp } };
    case "approval_resolved": {
      // A withdrawn approval was never answered: there is nothing to tell the agent.
      if (event.data.status === "cancelled") return undefined;
      const { status: _status, ...data } = event.data;
      return { type: "approval_response", seq: event.seq, data };
    }
    default:
      return undefined;
  }
}
