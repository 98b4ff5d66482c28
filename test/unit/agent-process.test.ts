// The agent process of a hook: the nearest ancestor of `tether hook` that is not a shell, told
// apart from a later process given the same pid by its start time.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentProcessOfHook, isRunning } from "../../dist/hooks/agent-process.js";
import { waitFor } from "../helpers/wait.js";

const onLinux = process.platform === "linux";
const startOf = (pid: number) =>
  readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]!;

describe.runIf(onLinux)("on Linux", () => {
  it("finds the process that ran the hook through a shell, with its start", async () => {
    const module = new URL("../../dist/hooks/agent-process.js", import.meta.url).href;
    // sh -c "…; true" keeps the shell as a parent (a lone command may be exec'd in its place).
    const child = spawn(
      "/bin/sh",
      [
        "-c",
        `"${process.execPath}" --input-type=module -e 'const m = await import("${module}"); console.log(JSON.stringify(m.agentProcessOfHook()))'; true`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(() => child.exitCode !== null, { what: "the child to exit" });
    expect(JSON.parse(out)).toEqual({ pid: process.pid, start: startOf(process.pid) });
  });

  it("tells a running process from one that exited and one whose pid was reused", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 60000)"]);
    const pid = child.pid!;
    const start = startOf(pid);
    expect(isRunning({ pid, start })).toBe(true);
    expect(isRunning({ pid, start: `${Number(start) + 1}` })).toBe(false);
    child.kill("SIGKILL");
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, {
      what: "the child to die",
    });
    expect(isRunning({ pid, start })).toBe(false);
  });
});

it("knows its own process is running, with or without a start", () => {
  expect(isRunning({ pid: process.pid, start: null })).toBe(true);
  expect(agentProcessOfHook()?.pid).toBe(process.ppid);
});
