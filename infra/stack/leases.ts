import * as fs from "fs";
import * as path from "path";
import { StackOptions, stackPaths } from "./options";
import { isAlive } from "./processes";

/**
 * Test runs that use the broker hold a lease (a file named by their pid). A broker started by a test run is
 * stopped by the last test run to leave, so concurrent `npm test`s never pull the broker from under each other.
 */
export function addLease(o: StackOptions, pid: number = process.pid): void {
  const dir = stackPaths(o).leasesDir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, String(pid)), String(pid));
}

export function removeLease(o: StackOptions, pid: number = process.pid): void {
  fs.rmSync(path.join(stackPaths(o).leasesDir, String(pid)), { force: true });
}

/** Pids of live lease holders; leases of dead processes are removed on the way. */
export function liveLeases(o: StackOptions): number[] {
  const dir = stackPaths(o).leasesDir;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.push(pid);
    else fs.rmSync(path.join(dir, name), { force: true });
  }
  return live;
}
