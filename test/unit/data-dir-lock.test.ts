// The data dir's pid lock, with real files and real processes: a pid file left by a daemon that
// was killed is taken over at once, even when its pid now names a zombie (killed, not yet
// reaped) or an unrelated process that got the pid; a live holder still refuses.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirBusyError, lockDataDir, processStartTime } from "../../dist/db/data-dir-lock.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

let dir: ReturnType<typeof tempDir>;
let pidFile: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = tempDir("tether-lock-");
  pidFile = join(dir.path, "tether.pid");
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill("SIGKILL");
      await exited;
    }
  }
  dir.remove();
});

/** A live process that is not a Tether daemon. */
function sleeper(): ChildProcess {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  return child;
}

function state(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

describe.runIf(process.platform === "linux")("data dir lock", () => {
  it("records its pid and start time, and removes the file on release", () => {
    const lock = lockDataDir(dir.path);
    expect(readFileSync(pidFile, "utf8")).toBe(`${process.pid} ${processStartTime(process.pid)}`);
    lock.release();
    expect(existsSync(pidFile)).toBe(false);
  });

  it("refuses while the process that wrote the pid file runs", () => {
    const holder = sleeper();
    writeFileSync(pidFile, `${holder.pid} ${processStartTime(holder.pid!)}`);
    expect(() => lockDataDir(dir.path)).toThrow(DataDirBusyError);
    expect(() => lockDataDir(dir.path)).toThrow(`another Tether (pid ${holder.pid})`);
    // A file in the old format (pid only) naming a live process is honoured too.
    writeFileSync(pidFile, String(holder.pid));
    expect(() => lockDataDir(dir.path)).toThrow(DataDirBusyError);
  });

  it("takes over a pid that now belongs to another process (a different start time)", () => {
    const other = sleeper();
    const real = processStartTime(other.pid!);
    expect(real).toBeDefined();
    writeFileSync(pidFile, `${other.pid} ${Number(real) - 1}`);
    const lock = lockDataDir(dir.path);
    expect(readFileSync(pidFile, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
  });

  it("takes over a pid file whose process is a zombie (killed, not yet reaped)", async () => {
    // `sleep 0` exits at once; its parent then execs `sleep 60`, which never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 60"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(parent);
    let out = "";
    parent.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const zombie = await waitFor(() => Number(/^(\d+)\n/.exec(out)?.[1]) || undefined, {
      what: "the child's pid",
    });
    await waitFor(() => state(zombie) === "Z", { what: `pid ${zombie} to be a zombie` });
    writeFileSync(pidFile, `${zombie} ${processStartTime(zombie)}`);
    const lock = lockDataDir(dir.path);
    expect(readFileSync(pidFile, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
  });

  it("takes over a pid file whose process is gone", async () => {
    const gone = spawn("true", { stdio: "ignore" });
    const pid = gone.pid!;
    await new Promise((resolve) => gone.once("exit", resolve));
    writeFileSync(pidFile, `${pid} 12345`);
    lockDataDir(dir.path).release();
  });
});
