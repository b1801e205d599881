import * as fs from "fs";
import * as path from "path";
import { StackError } from "./errors";
import { isAlive, readPid, sleep } from "./processes";

/**
 * Runs `fn` while holding an exclusive lock file (its content: our pid), so two `up`s, or a test run's setup and
 * an `npm run stack:down`, never interleave. A lock left by a dead process is taken over.
 */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readPid(lockFile);
      if (holder === undefined || holder === process.pid || !isAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StackError(
          `another stack command (pid ${holder}) still holds ${lockFile}; wait for it to finish, then retry`,
          true,
        );
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  }
}
