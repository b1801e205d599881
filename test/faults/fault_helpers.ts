/**
 * Helpers of the fault suite (test/faults): a private Kafka broker started with the project's stack scripts on
 * free ports and its own state dir (the shared broker on 9092 is never touched), the seeded producer against it, the
 * main job as a child process, and the accounting invariant read from the job's PostgreSQL tables.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePorts } from "../../lib/ports";
import { TABLES } from "../../sales/postgres_tables";
import { query } from "../integration/postgres_test_helpers";
import { TEST_STATE_DIR } from "../integration/cli_helpers";
import type { MainJob } from "../integration/job_processes";

const ROOT = path.resolve(__dirname, "../..");

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A broker of this test file alone: `up()`, `down()` (SIGTERM, its log kept) and `remove()` at the end. */
export interface PrivateBroker {
  readonly bootstrap: string;
  up(): void;
  down(): void;
  /** Stops it and deletes its state dir (logs and data). */
  remove(): void;
}

export async function privateBroker(prefix: string): Promise<PrivateBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const [kafkaPort, controllerPort] = await freePorts(2);
  const flags = ["--only", "kafka", "--kafka-port", String(kafkaPort), "--controller-port", String(controllerPort), "--state-dir", dir];
  const stack = (command: string): void => {
    const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "infra/stack.ts", command, ...flags], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 2 * 60_000,
    });
    if (r.status !== 0) throw new Error(`stack ${command} failed (${r.status}): ${r.stdout}${r.stderr}`);
  };
  return {
    bootstrap: `127.0.0.1:${kafkaPort}`,
    up: () => stack("up"),
    down: () => stack("down"),
    remove: () => {
      try {
        stack("down");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * `npm run produce` against `bootstrap` to the end: no late records (their fate depends on read timing). `rate`:
 * records per second (0: as fast as it can), for a producer still writing while the job reads.
 */
export function produce(bootstrap: string, topic: string, count: number, seed: number, start: string, rate = 0): Promise<void> {
  const args = [
    `--topic=${topic}`, `--bootstrap-servers=${bootstrap}`, "--partitions=1", `--count=${count}`, `--seed=${seed}`,
    `--start-time=${start}`, `--rate=${rate}`, "--interval=10ms", "--users=50", "--products=5", "--late-fraction=0",
    "--out-of-order-fraction=0", "--malformed-fraction=0.01",
  ];
  const child = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/produce.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the producer failed:\n${output}`)))),
  );
}

/** The main job as a child process (stderr collected; stdout ignored). */
export function startJob(args: readonly string[]): MainJob & { exitedAt(): number } {
  const child = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, SALES_WINDOW: undefined, KAFKA_CLIENT_LOG: undefined, SALES_STATE_DIR: TEST_STATE_DIR },
  });
  let stderr = "";
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    if (stderr.includes("pipeline: direct runner")) markStarted();
  });
  let exitedAt = 0;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitedAt = Date.now();
      resolve(code);
    }),
  );
  // Not detached (the fault tests kill it with the private stack they started): its group is itself.
  const killGroup = (): void => void child.kill("SIGKILL");
  return { child, started, exited, stderr: () => stderr, exitedAt: () => exitedAt, killGroup };
}

/** The lines a job wrote to stderr that start with `prefix`. */
export function linesOf(job: { stderr(): string }, prefix: string): string[] {
  return job.stderr().split("\n").filter((l) => l.startsWith(prefix));
}

/** Σ count of the final rows + late events + dead letters, rows not final, and what the job read so far. */
export async function accounted(schema: string): Promise<{ total: number; notFinal: number }> {
  const r = await query<{ counted: string; late: string; dead: string; not_final: string }>(
    `SELECT (SELECT coalesce(sum(count), 0) FROM "${schema}".${TABLES.results} WHERE final) AS counted,
            (SELECT count(DISTINCT event_id) FROM "${schema}".${TABLES.late}) AS late,
            (SELECT count(*) FROM "${schema}".${TABLES.deadLetters}) AS dead,
            (SELECT count(*) FROM "${schema}".${TABLES.results} WHERE NOT final) AS not_final`,
  );
  return { total: Number(r[0].counted) + Number(r[0].late) + Number(r[0].dead), notFinal: Number(r[0].not_final) };
}

/** Dead letters written so far (0 before the table exists): a cheap sign that the job is reading. */
export async function deadLetters(schema: string): Promise<number> {
  try {
    return Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${TABLES.deadLetters}`))[0].n);
  } catch {
    return 0;
  }
}

/**
 * The seeded backlog of the "fault mid-run, then rerun" cases (full disk, read-only folder): 100,000 events on one
 * partition, some out of order, late and malformed, written as fast as the producer can.
 */
export function rerunCaseEvents(seed: number): string[] {
  return [
    "--count=100000", `--seed=${seed}`, "--start-time=2026-01-01T00:00:00Z", "--interval=1s", "--users=100", "--products=5",
    "--out-of-order-fraction=0.02", "--out-of-order-max-delay=20s", "--late-fraction=0.01", "--late-delay=30m",
    "--malformed-fraction=0.01", "--rate=0",
  ];
}

/** The runner checkpoint files under `dir` (any group and topic folder). */
export function checkpointFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /checkpoint-[^/]*\.json$/.test(f));
}

/** Waits until `job` has committed with a checkpoint in `stateDir` (it is then still reading); throws if it ended first. */
export async function untilFirstCheckpoint(job: MainJob, stateDir: string): Promise<void> {
  while (checkpointFiles(stateDir).length === 0) {
    if (job.child.exitCode !== null) throw new Error(`the job ended before its first checkpoint:\n${job.stderr()}`);
    await sleep(20);
  }
}
