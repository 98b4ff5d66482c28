// Outputs joined into messages, in order: as many as fit one message's 2,000 units, so a chatty
// agent makes a few readable messages rather than one per line. An output too long for one
// message goes in several, in order; one that goes with a file is a message of its own, the file
// uploaded with it.
import { type DiscordMessage, LIMITS, message } from "./render-message.js";
import type { RenderedOutput } from "./render-output.js";

const GAP = "\n";

export interface OutputBatch {
  message: DiscordMessage;
  /** How many outputs end in this message (0 for the first pieces of a long one): what the
   * bridge's cursor may move past once it is sent. */
  count: number;
  /** The whole text of its one output, to upload with the message. */
  file?: { name: string; text: string };
}

/**
 * `outputs` added in order to `open` (the content of the thread's newest output message, edited
 * to grow), as many as fit whole; `count` says how many. It stops at an output with a file or in
 * more than one piece, which batchOutputs sends on its own.
 */
export function appendOutputs(
  open: string,
  outputs: readonly RenderedOutput[],
): { content: string; count: number } {
  let content = open;
  let count = 0;
  for (const output of outputs) {
    if (output.file || output.pieces.length !== 1) break;
    const joined = content ? `${content}${GAP}${output.pieces[0]}` : output.pieces[0]!;
    if (joined.length > LIMITS.content) break;
    content = joined;
    count++;
  }
  return { content, count };
}

/** All of `outputs` as messages, in order, as few as fit them. */
export function batchOutputs(outputs: readonly RenderedOutput[]): OutputBatch[] {
  const batches: OutputBatch[] = [];
  let content = "";
  let count = 0;
  const flush = () => {
    if (content) batches.push({ message: message(content), count });
    content = "";
    count = 0;
  };
  for (const output of outputs) {
    if (output.file) {
      flush();
      batches.push({ message: message(output.pieces.join(GAP)), count: 1, file: output.file });
      continue;
    }
    for (const [i, piece] of output.pieces.entries()) {
      if (content && content.length + GAP.length + piece.length > LIMITS.content) flush();
      content = content ? `${content}${GAP}${piece}` : piece;
      if (i === output.pieces.length - 1) count++;
    }
  }
  flush();
  return batches;
}
