// A recording AgentHost for adapter tests: every call is kept in order, and permission requests
// wait until the test answers them (or the adapter withdraws them).

import type {
  AgentHost,
  OutputKind,
  PermissionDecision,
  PermissionRequest,
  Question,
} from "../../src/adapters/types.js";
import type { Usage } from "../../src/shared/schemas.js";

export type HostCall =
  | { type: "output"; kind: OutputKind; text: string; metadata: Record<string, unknown> }
  | { type: "turnStarted" }
  | { type: "turnEnded" }
  | { type: "failed"; message: string }
  | { type: "usage"; total: Usage }
  | { type: "resumeWith"; id: string }
  | { type: "askPermission"; request: PermissionRequest }
  | { type: "askQuestion"; question: Question };

export interface AskedPermission {
  request: PermissionRequest;
  signal: AbortSignal;
  answer(decision: PermissionDecision): void;
  answered: boolean;
}

export class RecordingHost implements AgentHost {
  readonly calls: HostCall[] = [];
  readonly asked: AskedPermission[] = [];

  output(kind: OutputKind, text: string, metadata: Record<string, unknown> = {}): void {
    this.calls.push({ type: "output", kind, text, metadata });
  }
  turnStarted(): void {
    this.calls.push({ type: "turnStarted" });
  }
  turnEnded(): void {
    this.calls.push({ type: "turnEnded" });
  }
  failed(message: string): void {
    this.calls.push({ type: "failed", message });
  }
  usage(total: Usage): void {
    this.calls.push({ type: "usage", total });
  }
  resumeWith(id: string): void {
    this.calls.push({ type: "resumeWith", id });
  }
  askPermission(request: PermissionRequest, signal: AbortSignal): Promise<PermissionDecision> {
    this.calls.push({ type: "askPermission", request });
    return new Promise((resolve) => {
      const asked: AskedPermission = {
        request,
        signal,
        answered: false,
        answer: (decision) => {
          asked.answered = true;
          resolve(decision);
        },
      };
      this.asked.push(asked);
    });
  }

  /** Codex asks questions only in Plan mode, which the adapter does not use: recorded, never
   * answered, withdrawn when the signal aborts. */
  askQuestion(question: Question, signal: AbortSignal): Promise<string | undefined> {
    this.calls.push({ type: "askQuestion", question });
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve(undefined), { once: true }),
    );
  }

  count(type: HostCall["type"]): number {
    return this.calls.filter((call) => call.type === type).length;
  }

  outputs(kind?: OutputKind): Extract<HostCall, { type: "output" }>[] {
    return this.calls.flatMap((call) =>
      call.type === "output" && (kind === undefined || call.kind === kind) ? [call] : [],
    );
  }

  failures(): string[] {
    return this.calls.flatMap((call) => (call.type === "failed" ? [call.message] : []));
  }

  resumedWith(): string | undefined {
    const call = this.calls.find((c) => c.type === "resumeWith");
    return call?.type === "resumeWith" ? call.id : undefined;
  }

  /** Call types in order, outputs as `output:<kind>`: for asserting the shape of a turn. */
  sequence(): string[] {
    return this.calls.map((call) => (call.type === "output" ? `output:${call.kind}` : call.type));
  }
}
