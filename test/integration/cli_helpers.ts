/** Runs `npm run pipeline` (pipelines/main.ts) as a child process, collecting its stdout lines and stderr. */
import { spawn, type ChildProcess } from "child_process";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

export interface CliJob {
  readonly child: ChildProcess;
  readonly stdout: string[];
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/** The runner checkpoints of test jobs (one subfolder per consumer group: each test has its own group). */
export const TEST_STATE_DIR = path.join(os.tmpdir(), "sales-test-state");

export function startCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliJob {
  const child = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SALES_WINDOW: undefined, KAFKA_CLIENT_LOG: undefined, SALES_STATE_DIR: TEST_STATE_DIR, ...env },
  });
  const stdout: string[] = [];
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    stdout.push(...parts);
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout, stderr: () => stderr, exited };
}
