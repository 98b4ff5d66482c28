// Codex thread items, told as Tether output events. Whole items, not deltas: an agent message is
// sent once when it completes, so the event log holds one event per message, not one per token.
import type { OutputKind } from "../types.js";
import type { FileChange, Item } from "./protocol.js";

export interface Output {
  kind: OutputKind;
  text: string;
  metadata: Record<string, unknown>;
}

/** Long command output is cut for the event log (the agent itself has it whole). Head and tail
 * are kept, since the end of a build or test log usually says what happened. */
export const MAX_RESULT_CHARS = 4000;

export function truncate(text: string, max = MAX_RESULT_CHARS): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 40) / 2);
  const cut = text.length - 2 * keep;
  return `${text.slice(0, keep)}\n… (${cut} characters cut) …\n${text.slice(-keep)}`;
}

/** What to show when an item starts. Only tools are shown early: the human wants to see a
 * command while it runs (or waits for approval). */
export function itemStarted(item: Item): Output | undefined {
  switch (item.type) {
    case "commandExecution":
      return {
        kind: "tool_call",
        text: item.command,
        metadata: { item_id: item.id, tool: "command", cwd: item.cwd ?? null },
      };
    case "fileChange":
      return {
        kind: "tool_call",
        text: describeChanges(item.changes),
        metadata: { item_id: item.id, tool: "apply_patch", paths: item.changes.map((c) => c.path) },
      };
    case "mcpToolCall":
      return {
        kind: "tool_call",
        text: `${item.server}.${item.tool}`,
        metadata: { item_id: item.id, tool: `${item.server}.${item.tool}`, input: item.arguments },
      };
    default:
      return undefined;
  }
}

export function itemCompleted(item: Item): Output | undefined {
  switch (item.type) {
    case "agentMessage":
      return item.text
        ? { kind: "text", text: item.text, metadata: { item_id: item.id } }
        : undefined;
    case "reasoning": {
      // Summaries are what Codex shows users; raw reasoning content only when no summary.
      const text = (item.summary.length > 0 ? item.summary : item.content).join("\n\n").trim();
      return text ? { kind: "thinking", text, metadata: { item_id: item.id } } : undefined;
    }
    case "commandExecution":
      return {
        kind: "tool_result",
        text: commandResult(item.status, item.aggregatedOutput ?? "", item.exitCode ?? null),
        metadata: {
          item_id: item.id,
          tool: "command",
          status: item.status,
          exit_code: item.exitCode ?? null,
          duration_ms: item.durationMs ?? null,
        },
      };
    case "fileChange":
      return {
        kind: "tool_result",
        text: `${statusWord(item.status)}: ${describeChanges(item.changes)}`,
        metadata: {
          item_id: item.id,
          tool: "apply_patch",
          status: item.status,
          paths: item.changes.map((c) => c.path),
        },
      };
    case "mcpToolCall":
      return {
        kind: "tool_result",
        text: item.error
          ? `failed: ${item.error.message}`
          : truncate(JSON.stringify(item.result ?? null)),
        metadata: { item_id: item.id, tool: `${item.server}.${item.tool}`, status: item.status },
      };
  }
}

function commandResult(status: string, output: string, exitCode: number | null): string {
  if (status === "declined") return "Declined: the command did not run.";
  const trimmed = output.replace(/\s+$/, "");
  const footer = exitCode === null ? `(${status})` : `(exit code ${exitCode})`;
  return trimmed ? `${truncate(trimmed)}\n${footer}` : footer;
}

/** `add a.txt, update b.ts` — one line for a patch. */
export function describeChanges(changes: readonly FileChange[]): string {
  if (changes.length === 0) return "no files";
  return changes.map((change) => `${change.kind.type} ${change.path}`).join(", ");
}

function statusWord(status: string): string {
  switch (status) {
    case "completed":
      return "applied";
    case "inProgress":
      return "running";
    default:
      return status;
  }
}
