// Claude Code's stream of SDK messages, told to Tether as output events, usage and turn ends.
import type { SDKMessage, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import type { AgentHost } from "../types.js";

/** Long tool results are cut for the event log; the agent still has them whole. */
const MAX_TOOL_RESULT_CHARS = 4000;

/** Passes one message on to the host; returns the result when it ends a turn. */
export function relay(host: AgentHost, message: SDKMessage): SDKResultMessage | undefined {
  switch (message.type) {
    case "system":
      if (message.subtype === "init") host.resumeWith(message.session_id);
      return undefined;
    case "assistant":
      for (const block of message.message.content) {
        if (block.type === "text" && block.text) host.output("text", block.text);
        else if (block.type === "thinking" && block.thinking)
          host.output("thinking", block.thinking);
        else if (block.type === "tool_use") {
          host.output("tool_call", describeTool(block.name, block.input), {
            tool: block.name,
            tool_use_id: block.id,
            input: block.input,
          });
        }
      }
      return undefined;
    case "user": {
      const content = message.message.content;
      if (typeof content === "string") return undefined;
      for (const block of content) {
        if (block.type !== "tool_result") continue;
        host.output("tool_result", clip(resultText(block.content)), {
          tool_use_id: block.tool_use_id,
          is_error: block.is_error === true,
        });
      }
      return undefined;
    }
    case "result":
      host.usage(usageOf(message));
      return message;
    default:
      return undefined;
  }
}

/** One line saying what a tool call does, e.g. `Bash: npm test` or `Write: src/a.ts`. */
export function describeTool(tool: string, input: unknown): string {
  const fields = (input ?? {}) as Record<string, unknown>;
  const detail = [fields.command, fields.file_path, fields.path, fields.pattern, fields.url].find(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  const line = detail ? `${tool}: ${detail}` : tool;
  // A title is read in a notification; the whole input stays in the approval.
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type?: string; text?: string }) =>
      part.type === "text" ? (part.text ?? "") : `[${part.type}]`,
    )
    .join("\n");
}

function clip(text: string): string {
  return text.length > MAX_TOOL_RESULT_CHARS
    ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… (${text.length - MAX_TOOL_RESULT_CHARS} more characters)`
    : text;
}

// modelUsage and total_cost_usd are running totals for the whole conversation, also across a
// resume, so they are the session's totals as they stand.
function usageOf(result: SDKResultMessage) {
  let input = 0;
  let output = 0;
  for (const m of Object.values(result.modelUsage ?? {})) {
    input += m.inputTokens + m.cacheReadInputTokens + m.cacheCreationInputTokens;
    output += m.outputTokens;
  }
  return { input_tokens: input, output_tokens: output, cost_usd: result.total_cost_usd };
}

/** Why a turn failed, in words for the human, or undefined when it simply ended. */
export function failureOf(result: SDKResultMessage): string | undefined {
  if (result.subtype === "success") {
    return result.is_error ? result.result || "Claude Code reported an error" : undefined;
  }
  // An interrupt ends the turn this way; that is not a failure.
  if (
    result.terminal_reason === "aborted_streaming" ||
    result.terminal_reason === "aborted_tools"
  ) {
    return undefined;
  }
  const why = result.errors.join("; ") || result.subtype;
  return `Claude Code stopped: ${why}`;
}
