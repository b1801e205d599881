/**
 * The main job and the seeded producer as separate processes, for the sink tests that kill, restart and starve
 * them: `startMainJob(args)` (stderr collected, exit code awaited) and `runProducer(topic, args)`.
 */
import { TEST_STATE_DIR } from "./cli_helpers";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import { BOOTSTRAP } from "./kafka_test_helpers";

const ROOT = path.resolve(__dirname, "../..");

export interface MainJob {
  readonly child: ChildProcess;
  /** Resolves when stderr shows the job's start line (its configuration), or never if it fails before. */
  readonly started: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** SIGKILLs the job's whole process group (it runs in its own), as a machine crash would. */
  killGroup(): void;
}

/** `node pipelines/main.ts ...args` (stdout ignored), in a process group of its own. */
export function startMainJob(args: readonly string[]): MainJob {
  const child = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, SALES_STATE_DIR: TEST_STATE_DIR },
    detached: true,
  });
  const state = { stderr: "" };
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stderr?.on("data", (chunk: Buffer) => {
    state.stderr += chunk.toString("utf8");
    if (state.stderr.includes("pipeline: direct runner")) markStarted();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const killGroup = (): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
  };
  return { child, started, exited, stderr: () => state.stderr, killGroup };
}

/** Runs `npm run produce -- --topic=topic ...args` to the end; rejects with its output if it fails. */
export function runProducer(topic: string, args: readonly string[]): Promise<void> {
  const child = spawn(
    process.execPath,
    ["-r", "./tools/register.js", "pipelines/produce.ts", `--topic=${topic}`, `--bootstrap-servers=${BOOTSTRAP.join(",")}`, ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the producer failed:\n${output}`)))),
  );
}
