import * as fs from "fs";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while `pid` exists and is not a zombie (a dead child not yet reaped still answers kill 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc: trust kill 0
  }
}

/** The argv of a live process, or undefined when it cannot be read. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a.length > 0);
  } catch {
    return undefined;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the process is gone. Returns how it ended. */
export async function terminate(pid: number, graceMs: number): Promise<"not-running" | "terminated" | "killed"> {
  if (!isAlive(pid)) return "not-running";
  signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return "terminated";
    await sleep(100);
  }
  signal(pid, "SIGKILL");
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  return "killed";
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/** Reads a pid file; undefined when missing or unreadable. */
export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}
