// What a scenario drives: the real daemon or the bare relay, both speaking the same wire protocol.
import type { ChildProcess } from "node:child_process";

export interface Target {
  /** "tether" or "relay". */
  name: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  pid: number;
  child: ChildProcess;
  /** Registers `n` agent sessions and returns their ids. */
  createSessions(n: number): Promise<string[]>;
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
}

/** Resolves with the first capture of `pattern` in the child's stderr; rejects if it exits first. */
export function waitForStderr(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        done();
        resolve(match[1] ?? match[0]);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`process exited (${code}) before it was ready; stderr:\n${text}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`not ready within ${timeoutMs} ms; stderr:\n${text}`));
    }, timeoutMs);
    function done() {
      clearTimeout(timer);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining stderr so the child never blocks on a full pipe.
      child.stderr?.resume();
    }
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
