// What the numbers were measured on.
import { execFileSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";

export interface MachineInfo {
  node: string;
  cpuModel: string;
  nproc: number;
  memoryGb: number;
  kernel: string;
  commit: string | undefined;
}

export function machineInfo(): MachineInfo {
  let commit: string | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    commit = undefined;
  }
  return {
    node: process.version,
    cpuModel: cpus()[0]?.model ?? "unknown",
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    commit,
  };
}
